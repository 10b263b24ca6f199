// The generation record: what one image says about how it was made, in the
// keys of the interop set (tests/data/interop/README.md), whatever the
// generator that wrote it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/container.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/limits.hpp"

namespace raiiaf::detail::generators {

using image::MetadataText;

struct ModelRef {
    std::string name;
    std::optional<std::string> hash;
};

// One sampler node of a node graph (ComfyUI), with what feeds it.
struct SamplerNode {
    std::string id;
    std::string class_type;
    std::optional<std::uint64_t> seed;
    std::optional<std::int64_t> steps;
    std::optional<double> cfg_scale;
    std::optional<std::string> sampler;
    std::optional<std::string> scheduler;
    std::optional<double> denoise;
    std::optional<std::string> model;
    std::vector<std::string> positive;
    std::vector<std::string> negative;
    Json latent;  // where its latent comes from (see docs/FORMAT.md, imported artifacts)
};

struct GenerationRecord {
    std::string generator;  // automatic1111, comfyui, invokeai, novelai, fooocus, ruinedfooocus, swarmui
    std::string software;
    // Several prompts only for graphs whose sampler is fed by several texts.
    std::vector<std::string> prompts;
    std::vector<std::string> negative_prompts;
    std::optional<std::uint64_t> seed;  // exact: never through a double
    std::optional<std::int64_t> steps;
    std::optional<double> cfg_scale;
    std::optional<std::string> sampler;
    std::optional<std::string> scheduler;
    std::optional<ModelRef> model;
    std::optional<std::int64_t> width;   // the generation size, not the pixel size
    std::optional<std::int64_t> height;
    std::optional<std::string> primary_sampler_id;
    std::vector<SamplerNode> samplers;
    bool is_graph = false;  // primary_sampler_id and samplers are part of the record
};

// The record as JSON with every key of the interop set (absent values null;
// a single prompt as a string, several as a list).
[[nodiscard]] Json to_json(const GenerationRecord& record);

// The generator of the image whose metadata texts these are, and its record;
// nothing when no generator is recognised. Never throws on bad text: a text
// that is not what its key promises (broken JSON, a graph with cycles) is
// ignored or read as far as it makes sense.
[[nodiscard]] std::optional<GenerationRecord> detect_generation(const std::vector<MetadataText>& texts,
                                                                const Limits& limits);

// ---- one parser per family (each returns nothing when the texts are not its own) ----

[[nodiscard]] std::optional<GenerationRecord> parse_swarmui(const std::vector<MetadataText>& texts, const Limits& limits);
[[nodiscard]] std::optional<GenerationRecord> parse_invokeai(const std::vector<MetadataText>& texts, const Limits& limits);
[[nodiscard]] std::optional<GenerationRecord> parse_novelai(const std::vector<MetadataText>& texts, const Limits& limits);
[[nodiscard]] std::optional<GenerationRecord> parse_fooocus(const std::vector<MetadataText>& texts, const Limits& limits);
[[nodiscard]] std::optional<GenerationRecord> parse_comfyui(const std::vector<MetadataText>& texts, const Limits& limits);
[[nodiscard]] std::optional<GenerationRecord> parse_a1111(const std::vector<MetadataText>& texts, const Limits& limits);

// A1111's infotext ("prompt\nNegative prompt: ...\nSteps: 20, Sampler: ..."),
// by A1111's own rules: the last line holds parameters only when it has at
// least 3 "key: value" matches; quoted values are JSON strings; "Size: WxH".
struct Infotext {
    std::string prompt;
    std::string negative_prompt;
    std::vector<std::pair<std::string, std::string>> parameters;  // in order, quotes removed
    [[nodiscard]] const std::string* find(std::string_view key) const;
};
[[nodiscard]] Infotext parse_infotext(std::string_view text);
// A record from an infotext (the A1111 family and Fooocus' a1111 scheme).
[[nodiscard]] GenerationRecord record_from_infotext(const Infotext& infotext);

// ---- helpers shared by the parsers ----

// The first text with this key (any source), or nothing.
[[nodiscard]] const MetadataText* find_text(const std::vector<MetadataText>& texts, std::string_view key);
// The JSON of a text that should be a JSON object, or nothing when it is not
// (syntax, limits of depth and size).
[[nodiscard]] std::optional<Json> parse_object(std::string_view text, const Limits& limits);
// Exact non-negative integers from JSON numbers or decimal strings.
[[nodiscard]] std::optional<std::uint64_t> as_seed(const Json& value);
[[nodiscard]] std::optional<std::uint64_t> parse_unsigned(std::string_view text);
[[nodiscard]] std::optional<std::int64_t> as_integer(const Json& value);
[[nodiscard]] std::optional<double> as_number(const Json& value);
[[nodiscard]] std::optional<std::string> as_string(const Json& value);
// object[key] or null when the object is not an object or has no such key.
[[nodiscard]] const Json& member(const Json& object, std::string_view key);

}  // namespace raiiaf::detail::generators
