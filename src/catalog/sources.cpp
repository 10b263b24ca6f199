#include "catalog/sources.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "format/sha256.hpp"
#include "raiiaf/reader.hpp"

namespace raiiaf::catalog {
namespace {

std::string lowercase_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

const Json* setting(const Json& settings, std::initializer_list<std::string_view> names) {
    if (!settings.is_object()) return nullptr;
    for (const auto name : names) {
        const auto found = settings.find(name);
        if (found != settings.end() && !found->is_null()) return &*found;
    }
    return nullptr;
}

std::optional<std::int64_t> integer_setting(const Json& settings, std::initializer_list<std::string_view> names) {
    const Json* value = setting(settings, names);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) {
        const auto v = value->get<std::uint64_t>();
        if (v <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v);
        return std::nullopt;
    }
    if (value->is_number_integer()) return value->get<std::int64_t>();
    return std::nullopt;
}

std::string text_setting(const Json& settings, std::initializer_list<std::string_view> names) {
    const Json* value = setting(settings, names);
    return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// Seeds are exact unsigned 64-bit integers; also accepted as a decimal string.
std::optional<std::uint64_t> seed_setting(const Json& settings) {
    const Json* value = setting(settings, {"seed"});
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) return value->get<std::uint64_t>();
    if (value->is_number_integer()) {
        const auto v = value->get<std::int64_t>();
        return v >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(v)) : std::nullopt;
    }
    if (value->is_string()) {
        const auto& text = value->get_ref<const std::string&>();
        std::uint64_t out = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return out;
    }
    return std::nullopt;
}

std::string shape_text(const Shape& shape) {
    if (shape.empty()) return "scalar";
    std::string out;
    for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "x" : "") + std::to_string(shape[i]);
    return out;
}

bool is_noise_name(std::string_view name) {
    return name == "initial_noise" || name == "noise" || name == "init_noise";
}

// .raiiaf and .gen5 files, opened manifest-only. The ENVC chunk is the one
// payload read: it is small and holds what env.* queries ask about.
bool accepts_artifact(const std::filesystem::path& path) {
    const std::string ext = lowercase_extension(path);
    return ext == ".raiiaf" || ext == ".gen5";
}

void read_artifact(const std::filesystem::path& path, IndexedFile& file) {
    const Reader reader = Reader::open(path);
    CatalogEntry& e = file.entry;
    const Header& header = reader.header();
    e.layout = std::string(layout_name(header.layout));
    e.version = std::to_string(header.version_major) + "." + std::to_string(header.version_minor);
    e.manifest_digest = detail::sha256_hex(reader.manifest().dump());

    const ModelInfo& model = reader.model_info();
    e.model = model.model_name;
    e.model_version = model.version;
    e.prompt = model.prompt;
    e.tags = model.tags;
    e.date = model.date;
    e.settings = model.generation_settings.value_or(Json::object());
    const Json& s = e.settings;
    e.negative_prompt = text_setting(s, {"negative_prompt", "negative"});
    if (e.negative_prompt.empty()) e.negative_prompt = text_setting(model.extra, {"negative_prompt"});
    e.seed = seed_setting(s);
    e.steps = integer_setting(s, {"steps", "num_inference_steps"});
    e.sampler = text_setting(s, {"sampler", "sampler_name"});
    e.scheduler = text_setting(s, {"scheduler"});
    if (const Json* cfg = setting(s, {"cfg", "cfg_scale", "guidance_scale"}); cfg && cfg->is_number())
        e.cfg = cfg->get<double>();
    e.width = integer_setting(s, {"width"});
    e.height = integer_setting(s, {"height"});

    const auto& chunks = reader.chunks();
    if (const auto image = reader.image_info()) {
        e.image_format = image->format;
        e.image_digest = chunks.at(image->chunk_index).hash;
        if (!e.width && image->width) e.width = *image->width;
        if (!e.height && image->height) e.height = *image->height;
    }
    for (const LatentInfo& latent : reader.latents()) {
        e.latents.push_back({latent.name, std::string(dtype_name(latent.dtype)), shape_text(latent.shape),
                             std::string(codec_name(latent.codec)), chunks.at(latent.chunk_index).hash});
        if (is_noise_name(latent.name) && e.noise_digest.empty()) e.noise_digest = e.latents.back().digest;
    }
    if (e.noise_digest.empty() && !e.latents.empty()) e.noise_digest = e.latents.front().digest;

    for (const ChunkRecord& chunk : chunks) {
        if (chunk.type != kEnvType) continue;
        file.environment_digest = chunk.hash;
        if (file.known_environments != nullptr && file.known_environments->contains(chunk.hash)) break;
        if (auto env = reader.environment()) file.environment = std::move(*env);
        file.environment_decoded = true;
        for (const auto& c : file.environment.components) e.environment.emplace_back(c.id, c.canonical);
        break;
    }
}

constexpr Source kSources[] = {
    {"artifact", accepts_artifact, read_artifact},
};

}  // namespace

std::span<const Source> sources() { return kSources; }

const Source* source_for(const std::filesystem::path& path) {
    for (const Source& source : kSources)
        if (source.accepts(path)) return &source;
    return nullptr;
}

}  // namespace raiiaf::catalog
