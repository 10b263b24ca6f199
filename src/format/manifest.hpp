// The manifest (META chunk): JSON document <-> typed records.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <vector>

#include "raiiaf/format.hpp"
#include "raiiaf/limits.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct ParsedManifest {
    Json document;
    Json file_info;
    ModelInfo model;
    std::vector<ChunkRecord> chunks;
};

// Reads the typed view of a manifest. Throws MetadataError naming the JSON
// path of anything missing or of the wrong type.
[[nodiscard]] ParsedManifest parse_manifest(Json document, Layout layout);

[[nodiscard]] ModelInfo model_info_from_json(const Json& model_info, const std::string& path);
[[nodiscard]] Json model_info_to_json(const ModelInfo& model);
[[nodiscard]] Json chunk_record_to_json(const ChunkRecord& record, Layout layout);
[[nodiscard]] Json build_manifest(Layout layout, const Json& file_info, const ModelInfo& model,
                                  const std::vector<ChunkRecord>& chunks);

// How a chunk's bytes are stored: extra.codec when recorded (our extension),
// else what the layout implies for a compressed LATN (zfp in RAIIAF, zstd in GEN5).
[[nodiscard]] Codec latent_codec(const ChunkRecord& record, Layout layout);

// The description of a LATN record; `position` is its place among latents
// (it names latents written before names were stored). Throws MetadataError.
[[nodiscard]] LatentInfo latent_info(const ChunkRecord& record, Layout layout, std::size_t position,
                                     const Limits& limits);

RAIIAF_DETAIL_NAMESPACE_END
