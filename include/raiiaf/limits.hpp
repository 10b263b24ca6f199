// Resource limits for reading untrusted files. Defaults are safe for files
// produced by diffusion pipelines; raise them deliberately for bigger data.
#pragma once

#include <cstddef>
#include <cstdint>

namespace raiiaf {

struct Limits {
    std::uint64_t max_file_size = 64ull << 30;          // 64 GiB
    std::uint64_t max_chunk_size = 0xFFFFFFFFull;       // what the u32 size field can hold
    std::uint32_t max_chunk_count = 1000;
    std::uint64_t max_manifest_size = 16ull << 20;      // decompressed JSON text
    std::uint64_t max_decompressed_total = 64ull << 30; // summed over one reader's lifetime
    std::uint32_t max_json_depth = 64;
    // Keys in one JSON object: objects keep insertion order, so inserting a key
    // costs a scan of the keys before it and n keys cost n^2 / 2 comparisons.
    std::uint32_t max_json_object_members = 10'000;
    // Values in one JSON document (each costs a tree node of tens of bytes).
    std::uint64_t max_json_values = 1'000'000;
    std::uint32_t max_rank = 8;
    // One metadata text read from an image (an inflated zTXt/iTXt chunk, an
    // EXIF tag, a stealth payload): bounds what a compressed text may expand to.
    std::uint64_t max_metadata_text_size = 16ull << 20;
};

}  // namespace raiiaf
