#include <charconv>
#include <cmath>

#include "format/json_text.hpp"
#include "interop/generators/record.hpp"

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN
namespace generators {

namespace {

template <class T>
Json or_null(const std::optional<T>& value) {
    return value ? Json(*value) : Json(nullptr);
}

Json prompts_json(const std::vector<std::string>& prompts) {
    if (prompts.empty()) return nullptr;
    if (prompts.size() == 1) return prompts.front();
    return Json(prompts);
}

}  // namespace

Json to_json(const GenerationRecord& record) {
    Json out = Json::object();
    out["generator"] = record.generator;
    out["software"] = record.software;
    out["prompt"] = prompts_json(record.prompts);
    out["negative_prompt"] = prompts_json(record.negative_prompts);
    out["seed"] = or_null(record.seed);
    out["steps"] = or_null(record.steps);
    out["cfg_scale"] = or_null(record.cfg_scale);
    out["sampler"] = or_null(record.sampler);
    out["scheduler"] = or_null(record.scheduler);
    out["model"] = record.model ? Json{{"name", record.model->name}, {"hash", or_null(record.model->hash)}}
                                : Json(nullptr);
    out["width"] = or_null(record.width);
    out["height"] = or_null(record.height);
    if (record.is_graph) {
        out["primary_sampler_id"] = or_null(record.primary_sampler_id);
        Json samplers = Json::array();
        for (const SamplerNode& node : record.samplers) {
            samplers.push_back({{"id", node.id},
                                {"class_type", node.class_type},
                                {"seed", or_null(node.seed)},
                                {"steps", or_null(node.steps)},
                                {"cfg_scale", or_null(node.cfg_scale)},
                                {"sampler", or_null(node.sampler)},
                                {"scheduler", or_null(node.scheduler)},
                                {"denoise", or_null(node.denoise)},
                                {"model", or_null(node.model)},
                                {"positive", node.positive},
                                {"negative", node.negative},
                                {"latent", node.latent}});
        }
        out["samplers"] = std::move(samplers);
    }
    return out;
}

std::optional<GenerationRecord> detect_generation(const std::vector<MetadataText>& texts, const Limits& limits) {
    // SwarmUI files carry a ComfyUI graph too, and Fooocus' a1111 scheme is an
    // A1111 infotext: the more specific families are asked first.
    for (auto* parser : {parse_swarmui, parse_invokeai, parse_novelai, parse_fooocus, parse_comfyui, parse_a1111})
        if (auto record = parser(texts, limits)) return record;
    return std::nullopt;
}

const MetadataText* find_text(const std::vector<MetadataText>& texts, std::string_view key) {
    for (const auto& text : texts)
        if (text.key == key) return &text;
    return nullptr;
}

std::optional<Json> parse_object(std::string_view text, const Limits& limits) {
    const auto start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos || text[start] != '{') return std::nullopt;
    try {
        Json value = detail::parse_json(text, limits);
        if (value.is_object()) return value;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

std::optional<std::uint64_t> as_seed(const Json& value) {
    if (value.is_number_unsigned()) return value.get<std::uint64_t>();
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        return v < 0 ? std::nullopt : std::optional<std::uint64_t>(static_cast<std::uint64_t>(v));
    }
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (v >= 0 && v < 18446744073709551616.0 && std::floor(v) == v) return static_cast<std::uint64_t>(v);
        return std::nullopt;
    }
    if (value.is_string()) return parse_unsigned(value.get_ref<const std::string&>());
    return std::nullopt;
}

std::optional<std::int64_t> as_integer(const Json& value) {
    if (value.is_number_unsigned()) {
        const auto v = value.get<std::uint64_t>();
        return v > static_cast<std::uint64_t>(INT64_MAX) ? std::nullopt : std::optional<std::int64_t>(v);
    }
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (std::floor(v) == v && std::fabs(v) < 9.0e15) return static_cast<std::int64_t>(v);
        return std::nullopt;
    }
    if (value.is_string()) {
        std::string_view text = value.get_ref<const std::string&>();
        std::int64_t v = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (error == std::errc() && end == text.data() + text.size() && !text.empty()) return v;
    }
    return std::nullopt;
}

std::optional<double> as_number(const Json& value) {
    if (value.is_number()) return value.get<double>();
    if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        double v = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (error == std::errc() && end == text.data() + text.size() && !text.empty() && std::isfinite(v)) return v;
    }
    return std::nullopt;
}

std::optional<std::string> as_string(const Json& value) {
    if (value.is_string()) return value.get<std::string>();
    return std::nullopt;
}

const Json& member(const Json& object, std::string_view key) {
    static const Json null_value;
    if (!object.is_object()) return null_value;
    const auto it = object.find(key);
    return it == object.end() ? null_value : *it;
}

}  // namespace generators
RAIIAF_DETAIL_NAMESPACE_END
