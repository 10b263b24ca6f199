// The three image containers as sequences of their top-level units, for
// reading them without decoding pixels and for splicing metadata into them:
// PNG chunks, JPEG marker segments up to the first scan, WebP RIFF chunks.
// Parsing is bounded by the input and throws ContainerError on any structure
// that does not add up; the units view the input (keep it alive).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace raiiaf::detail {

struct ContainerError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class ImageContainer { png, jpeg, webp };

// From the signature alone; nullopt for anything else.
[[nodiscard]] std::optional<ImageContainer> sniff_image_container(std::span<const std::byte> bytes);
[[nodiscard]] const char* container_name(ImageContainer container);  // "PNG", "JPEG", "WebP"

struct PngChunk {
    std::string type;  // four ASCII letters
    std::span<const std::byte> data;
    std::uint64_t offset = 0;  // of the length field
    bool crc_ok = false;
};
// Signature, then chunks up to and including IEND (which must end the data).
[[nodiscard]] std::vector<PngChunk> parse_png(std::span<const std::byte> png);
// Signature + each chunk with its length and CRC computed.
[[nodiscard]] std::vector<std::byte> serialize_png(const std::vector<PngChunk>& chunks);

struct JpegSegment {
    std::uint8_t marker = 0;            // 0xE0..0xEF for APPn, 0xDB for DQT, ...
    std::span<const std::byte> data;    // after the 2-byte length
    std::uint64_t offset = 0;           // of the 0xFF
};
struct JpegFile {
    std::vector<JpegSegment> segments;  // between SOI and the first SOS
    std::span<const std::byte> scan;    // from the first SOS marker to the end of the file, verbatim
};
[[nodiscard]] JpegFile parse_jpeg(std::span<const std::byte> jpeg);
// Throws ContainerError when a segment's data exceeds the 65533 bytes a length field can describe.
[[nodiscard]] std::vector<std::byte> serialize_jpeg(const JpegFile& file);
inline constexpr std::size_t kJpegMaxSegmentData = 65533;

struct RiffChunk {
    std::string fourcc;
    std::span<const std::byte> data;  // without the pad byte
    std::uint64_t offset = 0;         // of the FourCC
};
// "RIFF" size "WEBP", then chunks, each padded to an even size.
[[nodiscard]] std::vector<RiffChunk> parse_webp(std::span<const std::byte> webp);
[[nodiscard]] std::vector<std::byte> serialize_webp(const std::vector<RiffChunk>& chunks);

}  // namespace raiiaf::detail
