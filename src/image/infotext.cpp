#include "image/infotext.hpp"

#include <initializer_list>

#include "raiiaf/version.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// The first of `keys` that the settings hold, as infotext shows it.
std::optional<std::string> setting(const Json& settings, std::initializer_list<const char*> keys) {
    if (!settings.is_object()) return std::nullopt;
    for (const char* key : keys) {
        const auto it = settings.find(key);
        if (it == settings.end() || it->is_null()) continue;
        if (it->is_string()) return it->get<std::string>();
        if (it->is_number() || it->is_boolean()) return it->dump();
    }
    return std::nullopt;
}

// Infotext is line-oriented: a CR would survive A1111's per-line strip only at a line's end.
std::string without_carriage_returns(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            if (i + 1 < text.size() && text[i + 1] == '\n') continue;
            out += '\n';
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

std::string a1111_quote(std::string_view value) {
    if (value.find_first_of(",:\n") == std::string_view::npos) return std::string(value);
    return Json(std::string(value)).dump();  // json.dumps(value, ensure_ascii=False)
}

std::string Infotext::text() const {
    std::string out = prompt;
    if (!negative_prompt.empty()) out += "\nNegative prompt: " + negative_prompt;
    out += '\n';
    for (std::size_t i = 0; i < parameters.size(); ++i)
        out += (i ? ", " : "") + parameters[i].first + ": " + a1111_quote(parameters[i].second);
    return out;
}

Infotext infotext_for(const ModelInfo& model, std::optional<std::pair<std::uint32_t, std::uint32_t>> pixel_size) {
    const Json settings = model.generation_settings.value_or(Json::object());
    Infotext info;
    info.prompt = without_carriage_returns(model.prompt);
    if (const auto negative = setting(settings, {"negative_prompt", "negative"}))
        info.negative_prompt = without_carriage_returns(*negative);
    else if (const auto extra = setting(model.extra, {"negative_prompt"}))
        info.negative_prompt = without_carriage_returns(*extra);

    auto add = [&](const char* name, std::optional<std::string> value) {
        if (value && !value->empty()) info.parameters.emplace_back(name, std::move(*value));
    };
    add("Steps", setting(settings, {"steps", "num_inference_steps"}));
    add("Sampler", setting(settings, {"sampler", "sampler_name"}));
    add("Schedule type", setting(settings, {"scheduler", "schedule_type"}));
    add("CFG scale", setting(settings, {"cfg_scale", "cfg", "guidance_scale"}));
    add("Seed", setting(settings, {"seed"}));
    const auto width = setting(settings, {"width"});
    const auto height = setting(settings, {"height"});
    if (width && height)
        add("Size", *width + "x" + *height);
    else if (pixel_size)
        add("Size", std::to_string(pixel_size->first) + "x" + std::to_string(pixel_size->second));
    add("Model hash", setting(settings, {"model_hash"}));
    add("Model", model.model_name);
    add("Version", "raiiaf " + std::string(library_version()));
    // A1111 reads the last line as parameters only when it holds three or more.
    if (info.parameters.size() < 3) add("Model", model.model_name.empty() ? std::string("unknown") : std::string());
    if (info.parameters.size() < 3) add("Size", std::string("unknown"));
    return info;
}

RAIIAF_DETAIL_NAMESPACE_END
