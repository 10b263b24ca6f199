// The writer's first stage: every chunk encoded, sized and placed before any
// byte reaches the output. Digests, the manifest and the header come while
// and after emitting (writer.cpp).
#pragma once

#include "raiiaf/config.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "raiiaf/writer.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

inline constexpr std::uint64_t kMaxU32 = 0xFFFFFFFFull;

// A chunk ready to be written: its record (the digests still to fill in) and
// the pieces whose concatenation is the stored chunk.
struct EncodedChunk {
    ChunkRecord record;
    std::vector<Bytes> pieces;
    // The payload whose SHA-256 record.hash still needs. Hashing waits until
    // the chunk is written, so that a raw payload is read once for both, and
    // the other chunks are hashed on other cores meanwhile.
    std::optional<Bytes> unhashed;
    // The image, whose check also waits for that stage.
    const ImageInput* image = nullptr;
};

struct Plan {
    Layout layout = Layout::raiiaf;
    std::vector<EncodedChunk> chunks;
    std::uint64_t table_offset = 0;  // where the manifest starts
    // What the existing raiiaf/gen5 package cannot read (extensions_used());
    // any record_extension makes the file version_minor 1.
    std::vector<std::string> unreadable;
    bool extension = false;
    Json file_info;  // file_size still 0
    ModelInfo model;
    // GEN5 keeps the environment in its manifest (docs/FORMAT.md section 8.8).
    std::optional<Json> manifest_environment;
    // The caller's bytes (latents, image, stored chunks), checked once
    // written: bytes of a mapped file that lost pages read as zeros.
    std::vector<std::span<const std::byte>> sources;
};

// The threads one write may use (WriteOptions::threads).
[[nodiscard]] unsigned write_threads(const WriteOptions& options) noexcept;

// The file's size with a generous guess for the manifest (rarely exceeded),
// for what is reserved before writing.
[[nodiscard]] inline std::uint64_t expected_file_size(const Plan& plan) {
    return plan.table_offset + 4096 + 512 * plan.chunks.size();
}

// Checks the caller's content and encodes every chunk (latents and the image
// on all cores when there is enough to compress). Throws InvalidArgument.
[[nodiscard]] Plan make_plan(const ArtifactContent& content, const WriteOptions& options);

// Adds format, width and height to the image's record; the check reads
// every byte (PNG CRCs), so it runs beside the hashing.
void check_image(EncodedChunk& chunk, const WriteOptions& options);

void require_payload_fits(std::uint64_t size, const std::string& what);
[[nodiscard]] Bytes chunk_header_bytes(std::string_view type, std::string_view flags, std::uint64_t size);

RAIIAF_DETAIL_NAMESPACE_END
