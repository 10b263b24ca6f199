// The container's vocabulary: layouts, header, chunk records, model info.
// docs/FORMAT.md is the normative description of the bytes.
#pragma once

#include "raiiaf/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/dtype.hpp"
#include "raiiaf/json.hpp"
#include "raiiaf/tensor.hpp"

RAIIAF_NAMESPACE_BEGIN

enum class Layout { raiiaf, gen5 };

[[nodiscard]] std::string_view layout_name(Layout layout) noexcept;  // "raiiaf", "gen5"
[[nodiscard]] std::optional<Layout> layout_from_name(std::string_view name) noexcept;
[[nodiscard]] std::size_t header_size(Layout layout) noexcept;       // 33, 32
// "raiiaf_metadata" / "gen5_metadata"
[[nodiscard]] std::string_view metadata_key(Layout layout) noexcept;
// Header magic as written: "raiiaf" / "GEN5".
[[nodiscard]] std::string_view layout_magic(Layout layout) noexcept;

// How a latent's payload is stored (the table of codecs: raiiaf/codec.hpp).
enum class Codec {
    raw,   // 12-byte envelope + bytes, uncompressed
    zfp,   // RAIIAF split form: zstd(envelope header) + zfp reversible stream
    zstd,  // zstd frame of envelope + bytes (GEN5's compression)
    shuffle_zstd,  // [ext] bytes regrouped by significance, then zstd; best on noise
};

[[nodiscard]] std::string_view codec_name(Codec codec) noexcept;  // "raw", "zfp", "zstd", "shuffle-zstd"
[[nodiscard]] std::optional<Codec> codec_from_name(std::string_view name) noexcept;

// The image formats stored as given, recognised by their signature: "png",
// "jpeg", "webp", or "" for anything else. Reads at most the first 12 bytes;
// the writer checks an image's whole structure (WriteOptions::validate_image).
[[nodiscard]] std::string_view detect_image_format(std::span<const std::byte> bytes) noexcept;

// Chunk types found in the wild.
inline constexpr std::string_view kLatentType = "LATN";
inline constexpr std::string_view kImageType = "DATA";
inline constexpr std::string_view kEnvType = "ENVC";
// Key in a compressed chunk record's extra: SHA-256 (lowercase hex) of the
// stored bytes, checked by verification (docs/FORMAT.md section 4).
inline constexpr std::string_view kStoredDigestKey = "stored_sha256";
// Key in every chunk record's extra written by our writer: XXH3-128 (32
// lowercase hex digits) of the stored bytes, checked on every read (section 5).
inline constexpr std::string_view kFastDigestKey = "xxh3_128";
inline constexpr std::string_view kManifestType = "META";
inline constexpr std::size_t kChunkHeaderSize = 12;
// The one major format version this library reads and writes; files with a
// higher one are refused (CorruptHeader), minor versions are compatible.
inline constexpr std::uint8_t kSupportedVersionMajor = 1;

struct Header {
    Layout layout = Layout::raiiaf;
    std::uint8_t version_major = 1;
    std::uint8_t version_minor = 0;
    std::uint16_t flags = 0;  // one byte in RAIIAF, two in GEN5
    std::uint32_t chunk_table_offset = 0;
    std::uint32_t chunk_table_size = 0;
    std::uint32_t chunk_count = 0;
    std::uint64_t file_size = 0;  // u32 in GEN5
    std::uint64_t reserved = 0;   // u32 in RAIIAF, u64 in GEN5
    friend bool operator==(const Header&, const Header&) = default;
};

// Recognises the layout by magic. Throws CorruptHeader on a short buffer,
// unknown magic or version_major 0.
[[nodiscard]] Header parse_header(std::span<const std::byte> bytes);
// Packs a header; throws InvalidArgument if a field does not fit the layout.
[[nodiscard]] std::vector<std::byte> encode_header(const Header& header);
// The fields of a header of `layout` as they are: neither the magic nor the
// version is checked (the legacy API's header_parse; header_validate checks).
// Throws CorruptHeader on a buffer shorter than the header.
[[nodiscard]] Header decode_header_fields(Layout layout, std::span<const std::byte> bytes);

// ---- stored chunks as the existing package handles them ------------------
// A chunk's 12-byte envelope header and what follows it.
struct ChunkEnvelope {
    std::string type;         // four bytes, as stored
    std::string flags;        // four bytes, as stored (NULs kept)
    std::uint32_t size = 0;   // the payload size the header states
    std::vector<std::byte> payload;  // the first `size` bytes after the header (fewer if the chunk is short)
};
// The envelope header followed by the payload; one zstd frame of both when
// compressed. Throws InvalidArgument for a payload over 4 GiB.
[[nodiscard]] std::vector<std::byte> pack_chunk(std::string_view type, std::string_view flags,
                                                std::span<const std::byte> payload, bool compressed);
// The inverse; a compressed chunk is decompressed to at most max_size bytes.
// Throws DecodeError for a frame that does not decompress, or a chunk shorter
// than its envelope header.
[[nodiscard]] ChunkEnvelope unpack_chunk(std::span<const std::byte> stored, bool compressed, std::uint64_t max_size);

// One entry of the manifest's "chunks" list.
struct ChunkRecord {
    std::uint32_t index = 0;
    std::string type;   // four ASCII characters
    std::string flags;  // trailing NULs removed: "F32", "F16", "0000"
    std::uint64_t offset = 0;
    std::uint64_t compressed_size = 0;
    std::uint64_t uncompressed_size = 0;
    std::string hash;  // lowercase hex SHA-256 of the payload
    Json extra = Json::object();
    bool compressed = false;
    std::optional<std::uint64_t> len_header;  // RAIIAF only
    std::optional<std::uint64_t> len_data;    // RAIIAF only
};

struct ModelInfo {
    std::string model_name;
    std::string version;
    std::string date;  // ISO 8601 UTC with microseconds; empty: the writer fills in now
    std::string prompt;
    std::vector<std::string> tags;
    std::optional<Json> generation_settings;
    std::optional<Json> hardware_info;
    Json extra = Json::object();  // any other keys, kept in order
};

// Description of a stored latent, available without reading its payload.
struct LatentInfo {
    std::size_t chunk_index = 0;
    std::string name;  // extra.key, or "latent_<n>" in files that stored none
    DType dtype = DType::float32;
    Shape shape;
    Codec codec = Codec::raw;
    std::optional<double> zfp_tolerance;  // lossy zfp: the absolute error bound it was written with
    std::uint64_t stored_size = 0;  // bytes in the file
    std::uint64_t raw_size = 0;     // tensor bytes
};

RAIIAF_NAMESPACE_END
