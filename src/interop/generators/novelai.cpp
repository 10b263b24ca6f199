// NovelAI: PNG "Software" = "NovelAI", "Description" (prompt), "Source"
// (model and hash), "Comment" (JSON settings); the same keys as a JSON object
// in the stealth_pngcomp payload of images whose text chunks were stripped.
#include <algorithm>
#include <cctype>

#include "interop/generators/record.hpp"

namespace raiiaf::detail::generators {

namespace {

// "Stable Diffusion F64BA557" -> {"Stable Diffusion", "F64BA557"}.
ModelRef split_source(const std::string& source) {
    const auto space = source.rfind(' ');
    if (space != std::string::npos && source.size() - space - 1 == 8) {
        const std::string hash = source.substr(space + 1);
        if (std::all_of(hash.begin(), hash.end(), [](unsigned char c) { return std::isxdigit(c); }))
            return {source.substr(0, space), hash};
    }
    return {source, std::nullopt};
}

std::optional<GenerationRecord> from_fields(const std::optional<std::string>& software,
                                            const std::optional<std::string>& description,
                                            const std::optional<std::string>& source, const Json& comment) {
    if (!software || !software->starts_with("NovelAI")) return std::nullopt;
    GenerationRecord record;
    record.generator = "novelai";
    record.software = *software;
    auto prompt = as_string(member(comment, "prompt"));
    if (!prompt) prompt = description;
    if (prompt) record.prompts = {*prompt};
    if (auto negative = as_string(member(comment, "uc"))) record.negative_prompts = {*negative};
    record.seed = as_seed(member(comment, "seed"));
    record.steps = as_integer(member(comment, "steps"));
    record.cfg_scale = as_number(member(comment, "scale"));
    record.sampler = as_string(member(comment, "sampler"));
    record.scheduler = as_string(member(comment, "noise_schedule"));
    record.width = as_integer(member(comment, "width"));
    record.height = as_integer(member(comment, "height"));
    if (source) record.model = split_source(*source);
    return record;
}

}  // namespace

std::optional<GenerationRecord> parse_novelai(const std::vector<MetadataText>& texts, const Limits& limits) {
    const auto text_of = [&](std::string_view key) -> std::optional<std::string> {
        for (const auto& t : texts)
            if (t.key == key && !t.source.starts_with("stealth:")) return t.text;
        return std::nullopt;
    };
    if (auto software = text_of("Software"); software && software->starts_with("NovelAI")) {
        Json comment = nullptr;
        if (auto text = text_of("Comment")) comment = parse_object(*text, limits).value_or(Json(nullptr));
        return from_fields(software, text_of("Description"), text_of("Source"), comment);
    }
    for (const auto& t : texts) {
        if (!t.source.starts_with("stealth:")) continue;
        const auto payload = parse_object(t.text, limits);
        if (!payload) continue;
        Json comment = member(*payload, "Comment");
        if (comment.is_string()) comment = parse_object(comment.get<std::string>(), limits).value_or(Json(nullptr));
        if (auto record = from_fields(as_string(member(*payload, "Software")), as_string(member(*payload, "Description")),
                                      as_string(member(*payload, "Source")), comment))
            return record;
    }
    return std::nullopt;
}

}  // namespace raiiaf::detail::generators
