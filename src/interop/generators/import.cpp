// The public import API over the image layer and the generator parsers.
#include "raiiaf/import.hpp"

#include "image/container.hpp"
#include "interop/generators/record.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {

constexpr const char* kExtraSettingsKey = "imported_generation_settings";

bool says_novelai(const std::vector<detail::image::MetadataText>& texts) {
    const auto* software = detail::generators::find_text(texts, "Software");
    return software && software->text.starts_with("NovelAI");
}

std::string joined(const Json& prompt) {
    if (prompt.is_string()) return prompt.get<std::string>();
    std::string out;
    if (prompt.is_array())
        for (const Json& p : prompt) out += (out.empty() ? "" : "\n") + p.get<std::string>();
    return out;
}

}  // namespace

GenerationMetadata read_generation_metadata(std::span<const std::byte> image, const ImportOptions& options) {
    namespace img = detail::image;
    const img::ContainerLayout layout = img::list_segments(image);
    auto texts = img::read_metadata_texts(image, options.limits, img::StealthScan::never);
    auto record = detail::generators::detect_generation(texts, options.limits);
    const bool look_for_stealth =
        layout.format == "png" && (options.stealth == StealthSearch::always ||
                                   (options.stealth == StealthSearch::automatic && (!record || says_novelai(texts))));
    if (look_for_stealth) {
        auto stealth = img::read_stealth_texts(image, options.limits);
        if (!stealth.empty()) {
            texts.insert(texts.end(), stealth.begin(), stealth.end());
            if (!record) record = detail::generators::detect_generation(texts, options.limits);
        }
    }
    GenerationMetadata out;
    out.image_format = layout.format;
    for (auto& text : texts) out.texts.push_back({std::move(text.source), std::move(text.key), std::move(text.text)});
    out.record = record ? detail::generators::to_json(*record) : Json(nullptr);
    return out;
}

ModelInfo imported_model_info(const GenerationMetadata& metadata) {
    if (!metadata.recognised()) throw InvalidArgument("the image carries no generation metadata this library knows");
    const Json& record = metadata.record;
    ModelInfo model;
    const Json& model_ref = record["model"];
    const std::string generator = record["generator"].get<std::string>();
    model.model_name = model_ref.is_object() && !model_ref["name"].get<std::string>().empty()
                           ? model_ref["name"].get<std::string>()
                           : generator;
    model.prompt = joined(record["prompt"]);
    model.tags = {"imported", generator};

    Json settings = Json::object();
    for (const char* key : {"seed", "steps", "cfg_scale", "sampler", "scheduler", "negative_prompt", "width", "height"})
        if (!record[key].is_null()) settings[key] = record[key];
    if (record["prompt"].is_array()) settings["prompts"] = record["prompt"];
    if (model_ref.is_object() && !model_ref["hash"].is_null()) settings["model_hash"] = model_ref["hash"];
    settings["generator"] = generator;
    settings["software"] = record["software"];
    if (record.contains("samplers")) {
        settings["primary_sampler_id"] = record["primary_sampler_id"];
        settings["samplers"] = record["samplers"];
    }
    Json texts = Json::array();
    for (const auto& text : metadata.texts)
        texts.push_back({{"source", text.source}, {"key", text.key}, {"text", text.text}});
    settings["imported_metadata"] = std::move(texts);

    const bool schema_complete = settings.contains("seed") && settings.contains("sampler") &&
                                 settings.contains("steps") && settings["steps"].get<std::int64_t>() >= 1;
    if (schema_complete) model.generation_settings = std::move(settings);
    else model.extra[kExtraSettingsKey] = std::move(settings);
    return model;
}

const Json* imported_settings(const ModelInfo& model) {
    if (model.generation_settings && model.generation_settings->contains("imported_metadata"))
        return &*model.generation_settings;
    const auto it = model.extra.find(kExtraSettingsKey);
    return it != model.extra.end() && it->is_object() ? &*it : nullptr;
}

void import_image(std::span<const std::byte> image, const std::filesystem::path& output,
                  std::vector<LatentInput> latents, const ImportOptions& options, const WriteOptions& write_options) {
    const GenerationMetadata metadata = read_generation_metadata(image, options);
    ArtifactContent content;
    content.model = imported_model_info(metadata);
    content.latents = std::move(latents);
    content.image = ImageInput{Bytes::borrowed(image)};  // written before this returns
    write_file(output, content, write_options);
}

RAIIAF_NAMESPACE_END
