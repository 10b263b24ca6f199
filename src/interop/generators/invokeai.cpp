// InvokeAI: "invokeai_metadata" JSON (3.x and later), the legacy
// "sd-metadata" JSON (2.x) and the older "Dream" command line. InvokeAI's
// field called "scheduler" is the sampler.
#include <cctype>

#include "interop/generators/record.hpp"

namespace raiiaf::detail::generators {

namespace {

// "a prompt [a negative] more [another]": bracketed parts are the negative prompt.
std::pair<std::string, std::string> split_bracketed_negative(std::string_view text) {
    std::string positive, negative;
    int depth = 0;
    std::string current_negative;
    for (const char c : text) {
        if (c == '[') {
            if (depth++ == 0) continue;
        } else if (c == ']' && depth > 0) {
            if (--depth == 0) {
                negative += (negative.empty() ? "" : ", ") + current_negative;
                current_negative.clear();
                continue;
            }
        }
        (depth > 0 ? current_negative : positive) += c;
    }
    if (depth > 0) positive += "[" + current_negative;  // an unclosed bracket is text
    const auto trim = [](std::string s) {
        const auto start = s.find_first_not_of(" \t\n");
        const auto end = s.find_last_not_of(" \t\n");
        return start == std::string::npos ? std::string() : s.substr(start, end - start + 1);
    };
    return {trim(positive), trim(negative)};
}

GenerationRecord from_metadata(const Json& meta) {
    GenerationRecord record;
    record.generator = "invokeai";
    const auto version = as_string(member(meta, "app_version"));
    record.software = version ? "invokeai " + *version : "invokeai 3.x";
    if (auto p = as_string(member(meta, "positive_prompt"))) record.prompts = {*p};
    if (auto n = as_string(member(meta, "negative_prompt"))) record.negative_prompts = {*n};
    record.seed = as_seed(member(meta, "seed"));
    record.steps = as_integer(member(meta, "steps"));
    record.cfg_scale = as_number(member(meta, "cfg_scale"));
    record.sampler = as_string(member(meta, "scheduler"));
    record.width = as_integer(member(meta, "width"));
    record.height = as_integer(member(meta, "height"));
    const Json& model = member(meta, "model");
    auto name = as_string(member(model, "name"));
    if (!name) name = as_string(member(model, "model_name"));
    if (name) record.model = ModelRef{*name, as_string(member(model, "hash"))};
    return record;
}

GenerationRecord from_sd_metadata(const Json& meta) {
    GenerationRecord record;
    record.generator = "invokeai";
    const auto version = as_string(member(meta, "app_version"));
    record.software = version ? "invokeai " + *version : "invokeai (legacy sd-metadata)";
    const Json& image = member(meta, "image");
    std::string prompt;
    const Json& prompts = member(image, "prompt");
    if (prompts.is_string()) prompt = prompts.get<std::string>();
    else if (prompts.is_array() && !prompts.empty()) prompt = as_string(member(prompts[0], "prompt")).value_or("");
    auto [positive, negative] = split_bracketed_negative(prompt);
    record.prompts = {positive};
    if (!negative.empty()) record.negative_prompts = {negative};
    record.seed = as_seed(member(image, "seed"));
    record.steps = as_integer(member(image, "steps"));
    record.cfg_scale = as_number(member(image, "cfg_scale"));
    record.sampler = as_string(member(image, "sampler"));
    record.width = as_integer(member(image, "width"));
    record.height = as_integer(member(image, "height"));
    auto name = as_string(member(meta, "model_weights"));
    if (!name) name = as_string(member(meta, "model_id"));
    if (name) record.model = ModelRef{*name, as_string(member(meta, "model_hash"))};
    return record;
}

// "\"prompt [negative]\" -s 50 -S 2980747362 -W 512 -H 768 -C 5 -A k_lms ..."
std::optional<GenerationRecord> from_dream(std::string_view dream) {
    std::size_t pos = dream.find_first_not_of(' ');
    if (pos == std::string_view::npos || dream[pos] != '"') return std::nullopt;
    const auto close = dream.rfind('"');
    if (close <= pos) return std::nullopt;
    GenerationRecord record;
    record.generator = "invokeai";
    record.software = "invokeai (legacy Dream string)";
    auto [positive, negative] = split_bracketed_negative(dream.substr(pos + 1, close - pos - 1));
    record.prompts = {positive};
    if (!negative.empty()) record.negative_prompts = {negative};
    std::vector<std::string> tokens;
    std::string current;
    for (const char c : dream.substr(close + 1)) {
        if (c == ' ') {
            if (!current.empty()) tokens.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) tokens.push_back(std::move(current));
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        const std::string& flag = tokens[i];
        const Json value(tokens[i + 1]);
        if (flag == "-s" || flag == "--steps") record.steps = as_integer(value);
        else if (flag == "-S" || flag == "--seed") record.seed = as_seed(value);
        else if (flag == "-W" || flag == "--width") record.width = as_integer(value);
        else if (flag == "-H" || flag == "--height") record.height = as_integer(value);
        else if (flag == "-C" || flag == "--cfg_scale") record.cfg_scale = as_number(value);
        else if (flag == "-A" || flag == "--sampler") record.sampler = tokens[i + 1];
    }
    return record;
}

}  // namespace

std::optional<GenerationRecord> parse_invokeai(const std::vector<MetadataText>& texts, const Limits& limits) {
    if (const auto* text = find_text(texts, "invokeai_metadata"))
        if (auto meta = parse_object(text->text, limits)) return from_metadata(*meta);
    if (const auto* text = find_text(texts, "sd-metadata"))
        if (auto meta = parse_object(text->text, limits)) return from_sd_metadata(*meta);
    if (const auto* text = find_text(texts, "Dream")) return from_dream(text->text);
    return std::nullopt;
}

}  // namespace raiiaf::detail::generators
