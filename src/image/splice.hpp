// The WRITE side of the image containers: new PNG chunks, JPEG segments and
// RIFF chunks as bytes, to be spliced between the verbatim units that
// image::list_segments (image/container.hpp) found in a stored image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

// A unit that cannot be written (too long for its length field).
struct SpliceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kJpegMaxSegmentData = 65533;  // a 16-bit length that counts itself
inline constexpr std::string_view kPngSignature{"\x89PNG\r\n\x1A\n", 8};


// length, type, data, CRC
[[nodiscard]] std::vector<std::byte> png_chunk(std::string_view type, std::span<const std::byte> data);
// 0xFF marker, length, data
[[nodiscard]] std::vector<std::byte> jpeg_segment(std::uint8_t marker, std::span<const std::byte> data);
// FourCC, little-endian size, data, pad byte to an even length
[[nodiscard]] std::vector<std::byte> riff_chunk(std::string_view fourcc, std::span<const std::byte> data);
// "RIFF" + size + "WEBP" before the chunks.
[[nodiscard]] std::vector<std::byte> webp_file(std::span<const std::byte> chunks);

inline void append(std::vector<std::byte>& out, std::span<const std::byte> data) {
    out.insert(out.end(), data.begin(), data.end());
}
inline std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

RAIIAF_DETAIL_NAMESPACE_END
