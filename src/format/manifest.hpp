// The manifest (META chunk): JSON document <-> typed records.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "raiiaf/env.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/limits.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct ParsedManifest {
    Json document;
    ModelInfo model;
    std::vector<ChunkRecord> chunks;
};

// Reads the typed view of a manifest. Throws MetadataError naming the JSON
// path of anything missing or of the wrong type.
[[nodiscard]] ParsedManifest parse_manifest(Json document, Layout layout);

[[nodiscard]] ModelInfo model_info_from_json(const Json& model_info, const std::string& path);
[[nodiscard]] Json model_info_to_json(const ModelInfo& model);
[[nodiscard]] Json chunk_record_to_json(const ChunkRecord& record, Layout layout);
// `environment` is the ENVC payload's JSON, kept in the manifest of GEN5 files
// (docs/FORMAT.md section 8.8).
[[nodiscard]] Json build_manifest(Layout layout, const Json& file_info, const ModelInfo& model,
                                  const std::vector<ChunkRecord>& chunks, const Json* environment = nullptr);

// The key of a GEN5 manifest's environment, beside file_info, model_info and chunks.
inline constexpr std::string_view kManifestEnvironmentKey = "environment";

// The environment a manifest keeps beside its chunks (GEN5: all of it;
// RAIIAF: the components the existing package does not record; docs/FORMAT.md
// section 8.8); nullopt when it keeps none. Throws EnvChunkError naming the JSON path.
[[nodiscard]] std::optional<Environment> manifest_environment(const Json& document, Layout layout);

// What in a chunk record the existing raiiaf/gen5 package cannot read (an
// extension: docs/FORMAT.md marks each [ext]), e.g. `latent "noise": codec
// shuffle-zstd`; nullopt when it can. Such a record makes the file version_minor 1.
[[nodiscard]] std::optional<std::string> record_extension(const ChunkRecord& record);
// record_extension, or for a chunk of a type the existing readers refuse
// (anything but LATN, DATA, ENVC) `chunk type XTRA`: what makes the existing
// package fail on the file, what compatibility mode refuses.
[[nodiscard]] std::optional<std::string> unreadable_by_existing_package(const ChunkRecord& record);

// The description of a LATN record; `position` is its place among latents
// (it names latents written before names were stored). Throws MetadataError.
[[nodiscard]] LatentInfo latent_info(const ChunkRecord& record, Layout layout, std::size_t position,
                                     const Limits& limits);

RAIIAF_DETAIL_NAMESPACE_END
