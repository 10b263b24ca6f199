#include "image/splice.hpp"


#include <algorithm>
#include <cstring>
#include <string>

#include "format/crc32.hpp"
#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

void put_be32(std::vector<std::byte>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte((v >> shift) & 0xFFu));
}
void put_le32(std::vector<std::byte>& out, std::uint32_t v) {
    for (int shift = 0; shift <= 24; shift += 8) out.push_back(std::byte((v >> shift) & 0xFFu));
}


}  // namespace

std::vector<std::byte> png_chunk(std::string_view type, std::span<const std::byte> data) {
    if (type.size() != 4 || data.size() > 0x7FFFFFFFu)
        throw SpliceError("PNG chunk " + std::string(type) + " of " + std::to_string(data.size()) + " bytes cannot be written");
    std::vector<std::byte> out;
    out.reserve(12 + data.size());
    put_be32(out, static_cast<std::uint32_t>(data.size()));
    append(out, bytes_of(type));
    append(out, data);
    put_be32(out, detail::crc32(std::span<const std::byte>(out).subspan(4)));
    return out;
}

std::vector<std::byte> jpeg_segment(std::uint8_t marker, std::span<const std::byte> data) {
    if (data.size() > kJpegMaxSegmentData)
        throw SpliceError("JPEG segment of " + std::to_string(data.size()) + " bytes exceeds the 65533 a segment holds");
    const std::size_t length = data.size() + 2;
    std::vector<std::byte> out;
    out.reserve(4 + data.size());
    for (const auto b : {std::byte{0xFF}, std::byte{marker}, std::byte((length >> 8) & 0xFFu), std::byte(length & 0xFFu)})
        out.push_back(b);
    append(out, data);
    return out;
}

std::vector<std::byte> riff_chunk(std::string_view fourcc, std::span<const std::byte> data) {
    if (fourcc.size() != 4 || data.size() > 0xFFFFFFFEu)
        throw SpliceError("RIFF chunk " + std::string(fourcc) + " of " + std::to_string(data.size()) + " bytes cannot be written");
    std::vector<std::byte> out;
    out.reserve(9 + data.size());
    append(out, bytes_of(fourcc));
    put_le32(out, static_cast<std::uint32_t>(data.size()));
    append(out, data);
    if (data.size() & 1u) out.push_back(std::byte{0});
    return out;
}

std::vector<std::byte> webp_file(std::span<const std::byte> chunks) {
    if (chunks.size() > 0xFFFFFFFFu - 4) throw SpliceError("WebP would exceed the 4 GiB a RIFF file can hold");
    std::vector<std::byte> out;
    out.reserve(12 + chunks.size());
    append(out, bytes_of("RIFF"));
    put_le32(out, static_cast<std::uint32_t>(chunks.size() + 4));
    append(out, bytes_of("WEBP"));
    append(out, chunks);
    return out;
}

RAIIAF_DETAIL_NAMESPACE_END
