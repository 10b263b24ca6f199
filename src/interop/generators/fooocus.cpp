// Fooocus (PNG "fooocus_scheme" = "fooocus": JSON "parameters"; "a1111": an
// A1111 infotext whose Version names Fooocus) and RuinedFooocus (JSON
// "parameters" with "software": "RuinedFooocus").
#include "interop/generators/record.hpp"

namespace raiiaf::detail::generators {

namespace {

// "(1024, 1024)" or "1024x1024".
void read_resolution(const Json& value, GenerationRecord& record) {
    const auto text = as_string(value);
    if (!text) return;
    std::vector<std::uint64_t> numbers;
    std::uint64_t current = 0;
    bool in_number = false;
    for (const char c : *text) {
        if (c >= '0' && c <= '9') {
            if (current > (UINT32_MAX - 9) / 10) return;
            current = current * 10 + static_cast<std::uint64_t>(c - '0');
            in_number = true;
        } else if (in_number) {
            numbers.push_back(current);
            current = 0;
            in_number = false;
        }
    }
    if (in_number) numbers.push_back(current);
    if (numbers.size() != 2) return;
    record.width = static_cast<std::int64_t>(numbers[0]);
    record.height = static_cast<std::int64_t>(numbers[1]);
}

GenerationRecord from_fooocus_json(const Json& params) {
    GenerationRecord record;
    record.generator = "fooocus";
    record.software = as_string(member(params, "version")).value_or("Fooocus");
    if (auto p = as_string(member(params, "prompt"))) record.prompts = {*p};
    if (auto n = as_string(member(params, "negative_prompt"))) record.negative_prompts = {*n};
    record.seed = as_seed(member(params, "seed"));
    record.steps = as_integer(member(params, "steps"));
    record.cfg_scale = as_number(member(params, "guidance_scale"));
    record.sampler = as_string(member(params, "sampler"));
    record.scheduler = as_string(member(params, "scheduler"));
    read_resolution(member(params, "resolution"), record);
    if (auto model = as_string(member(params, "base_model")))
        record.model = ModelRef{*model, as_string(member(params, "base_model_hash"))};
    return record;
}

GenerationRecord from_ruined_json(const Json& params) {
    GenerationRecord record;
    record.generator = "ruinedfooocus";
    record.software = "RuinedFooocus";
    if (auto p = as_string(member(params, "Prompt"))) record.prompts = {*p};
    if (auto n = as_string(member(params, "Negative"))) record.negative_prompts = {*n};
    record.seed = as_seed(member(params, "seed"));
    record.steps = as_integer(member(params, "steps"));
    record.cfg_scale = as_number(member(params, "cfg"));
    record.sampler = as_string(member(params, "sampler_name"));
    record.scheduler = as_string(member(params, "scheduler"));
    record.width = as_integer(member(params, "width"));
    record.height = as_integer(member(params, "height"));
    if (auto model = as_string(member(params, "base_model_name")))
        record.model = ModelRef{*model, as_string(member(params, "base_model_hash"))};
    return record;
}

}  // namespace

std::optional<GenerationRecord> parse_fooocus(const std::vector<MetadataText>& texts, const Limits& limits) {
    const MetadataText* parameters = find_text(texts, "parameters");
    if (!parameters) parameters = find_text(texts, "UserComment");
    if (!parameters) return std::nullopt;
    const MetadataText* scheme = find_text(texts, "fooocus_scheme");
    if (auto json = parse_object(parameters->text, limits)) {
        if (as_string(member(*json, "software")) == std::optional<std::string>("RuinedFooocus"))
            return from_ruined_json(*json);
        const auto version = as_string(member(*json, "version"));
        if ((scheme && scheme->text == "fooocus") || (version && version->starts_with("Fooocus")))
            return from_fooocus_json(*json);
        return std::nullopt;
    }
    const Infotext infotext = parse_infotext(parameters->text);
    const std::string* version = infotext.find("Version");
    if ((scheme && scheme->text == "a1111" && !infotext.parameters.empty()) ||
        (version && version->starts_with("Fooocus"))) {
        GenerationRecord record = record_from_infotext(infotext);
        record.generator = "fooocus";
        record.software = version ? *version : "Fooocus";
        return record;
    }
    return std::nullopt;
}

}  // namespace raiiaf::detail::generators
