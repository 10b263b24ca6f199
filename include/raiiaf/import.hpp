// Importing the generation metadata images already carry (AUTOMATIC1111 and
// its forks, ComfyUI, InvokeAI, NovelAI, Fooocus, RuinedFooocus, SwarmUI)
// into artifacts. docs/FORMAT.md "Imported artifacts" says where each field goes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "raiiaf/format.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/writer.hpp"

namespace raiiaf {

// One metadata text exactly as the image holds it (decoded to UTF-8).
// source is "<container>:<kind>" ("png:tEXt", "exif:UserComment",
// "stealth:pngcomp", ...), key the PNG keyword or EXIF tag name.
struct ImportedText {
    std::string source;
    std::string key;
    std::string text;
};

enum class StealthSearch {
    // Look in the pixels' low bits (PNG only) when the text chunks name no
    // generator, or name NovelAI (which writes a stealth copy too).
    automatic,
    always,
    never,
};

struct ImportOptions {
    StealthSearch stealth = StealthSearch::automatic;
    Limits limits{};
};

struct GenerationMetadata {
    std::string image_format;         // "png", "jpeg", "webp"
    std::vector<ImportedText> texts;  // every metadata text, in file order (stealth last)
    // The generation record (keys of tests/data/interop/README.md): generator,
    // software, prompt, negative_prompt, seed, steps, cfg_scale, sampler,
    // scheduler, model {name, hash}, width, height, and for node graphs
    // primary_sampler_id and samplers. Null when no generator is recognised.
    Json record;
    [[nodiscard]] bool recognised() const { return !record.is_null(); }
};

// Reads an image's metadata. A malformed image (truncated or lying segments,
// a bad CRC, compressed text past Limits::max_metadata_text_size) is an
// ImageError; metadata that no generator wrote is not an error.
[[nodiscard]] GenerationMetadata read_generation_metadata(std::span<const std::byte> image,
                                                          const ImportOptions& options = {});

// The manifest model_info of an imported artifact (docs/FORMAT.md).
// Throws InvalidArgument when the metadata was not recognised.
[[nodiscard]] ModelInfo imported_model_info(const GenerationMetadata& metadata);

// The imported settings of a model_info: generation_settings when it holds
// them, else extra["imported_generation_settings"] (records without seed,
// steps or sampler, which the schema requires of generation_settings);
// nullptr when the model_info was not imported.
[[nodiscard]] const Json* imported_settings(const ModelInfo& model);

// Writes an artifact holding `image` byte for byte, its metadata as
// imported_model_info says, and the latents. Throws ImageError for a
// malformed image, InvalidArgument when no generator is recognised.
void import_image(std::span<const std::byte> image, const std::filesystem::path& output,
                  std::vector<LatentInput> latents = {}, const ImportOptions& options = {},
                  const WriteOptions& write_options = {});

}  // namespace raiiaf
