#include "image/splice.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace raiiaf::detail {

namespace {

constexpr std::array<unsigned char, 8> kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

std::uint32_t be32(const std::byte* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}
std::uint32_t le32(const std::byte* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
void put_be32(std::vector<std::byte>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte((v >> shift) & 0xFFu));
}
void put_le32(std::vector<std::byte>& out, std::uint32_t v) {
    for (int shift = 0; shift <= 24; shift += 8) out.push_back(std::byte((v >> shift) & 0xFFu));
}
void append(std::vector<std::byte>& out, std::span<const std::byte> data) { out.insert(out.end(), data.begin(), data.end()); }
void append(std::vector<std::byte>& out, const std::string& text) {
    append(out, std::as_bytes(std::span(text.data(), text.size())));
}
std::string fourcc_at(const std::byte* p) { return {reinterpret_cast<const char*>(p), 4}; }
std::string at(std::uint64_t offset) { return " at offset " + std::to_string(offset); }

std::uint32_t png_crc(std::span<const std::byte> type_and_data) {
    uLong crc = crc32(0, nullptr, 0);
    // zlib takes uInt lengths: feed large chunks in pieces.
    for (std::size_t done = 0; done < type_and_data.size();) {
        const std::size_t step = std::min<std::size_t>(type_and_data.size() - done, 1u << 30);
        crc = crc32(crc, reinterpret_cast<const Bytef*>(type_and_data.data() + done), static_cast<uInt>(step));
        done += step;
    }
    return static_cast<std::uint32_t>(crc);
}

}  // namespace

std::optional<ImageContainer> sniff_image_container(std::span<const std::byte> bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    if (bytes.size() >= kPngSignature.size() && std::equal(kPngSignature.begin(), kPngSignature.end(), p))
        return ImageContainer::png;
    if (bytes.size() >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return ImageContainer::jpeg;
    if (bytes.size() >= 12 && std::memcmp(p, "RIFF", 4) == 0 && std::memcmp(p + 8, "WEBP", 4) == 0)
        return ImageContainer::webp;
    return std::nullopt;
}

const char* container_name(ImageContainer container) {
    switch (container) {
    case ImageContainer::png: return "PNG";
    case ImageContainer::jpeg: return "JPEG";
    case ImageContainer::webp: return "WebP";
    }
    return "image";
}

// ---- PNG ----------------------------------------------------------------------

std::vector<PngChunk> parse_png(std::span<const std::byte> png) {
    if (sniff_image_container(png) != ImageContainer::png) throw ContainerError("not a PNG file");
    std::vector<PngChunk> chunks;
    std::size_t pos = kPngSignature.size();
    while (true) {
        if (png.size() - pos < 12) throw ContainerError("PNG chunk" + at(pos) + " is truncated (no IEND)");
        const std::uint32_t length = be32(png.data() + pos);
        if (length > 0x7FFFFFFFu || length > png.size() - pos - 12)
            throw ContainerError("PNG chunk" + at(pos) + " runs past the end of the file");
        PngChunk chunk;
        chunk.type = fourcc_at(png.data() + pos + 4);
        if (!std::all_of(chunk.type.begin(), chunk.type.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            }))
            throw ContainerError("PNG chunk" + at(pos) + " has an invalid type");
        chunk.data = png.subspan(pos + 8, length);
        chunk.offset = pos;
        chunk.crc_ok = png_crc(png.subspan(pos + 4, 4 + std::size_t{length})) == be32(png.data() + pos + 8 + length);
        pos += 12 + std::size_t{length};
        const bool is_end = chunk.type == "IEND";
        chunks.push_back(std::move(chunk));
        if (is_end) break;
    }
    if (chunks.front().type != "IHDR") throw ContainerError("PNG does not start with IHDR");
    if (pos != png.size()) throw ContainerError("PNG has data after IEND" + at(pos));
    return chunks;
}

std::vector<std::byte> serialize_png(const std::vector<PngChunk>& chunks) {
    std::vector<std::byte> out(reinterpret_cast<const std::byte*>(kPngSignature.data()),
                               reinterpret_cast<const std::byte*>(kPngSignature.data()) + kPngSignature.size());
    for (const PngChunk& chunk : chunks) {
        if (chunk.type.size() != 4 || chunk.data.size() > 0x7FFFFFFFu)
            throw ContainerError("PNG chunk " + chunk.type + " cannot be written");
        put_be32(out, static_cast<std::uint32_t>(chunk.data.size()));
        const std::size_t type_start = out.size();
        append(out, chunk.type);
        append(out, chunk.data);
        put_be32(out, png_crc(std::span<const std::byte>(out).subspan(type_start)));
    }
    return out;
}

// ---- JPEG ---------------------------------------------------------------------

JpegFile parse_jpeg(std::span<const std::byte> jpeg) {
    if (sniff_image_container(jpeg) != ImageContainer::jpeg) throw ContainerError("not a JPEG file");
    JpegFile file;
    std::size_t pos = 2;
    while (true) {
        if (jpeg.size() - pos < 2) throw ContainerError("JPEG ends before its first scan" + at(pos));
        if (jpeg[pos] != std::byte{0xFF}) throw ContainerError("JPEG marker expected" + at(pos));
        const auto marker = static_cast<std::uint8_t>(jpeg[pos + 1]);
        if (marker == 0xFF) {  // fill byte
            ++pos;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8))
            throw ContainerError("JPEG has a stray standalone marker" + at(pos));
        if (marker == 0xDA) {
            file.scan = jpeg.subspan(pos);
            return file;
        }
        if (jpeg.size() - pos < 4) throw ContainerError("JPEG segment" + at(pos) + " is truncated");
        const std::size_t length = std::size_t(jpeg[pos + 2]) << 8 | std::size_t(jpeg[pos + 3]);
        if (length < 2 || length > jpeg.size() - pos - 2)
            throw ContainerError("JPEG segment" + at(pos) + " runs past the end of the file");
        file.segments.push_back({marker, jpeg.subspan(pos + 4, length - 2), pos});
        pos += 2 + length;
    }
}

std::vector<std::byte> serialize_jpeg(const JpegFile& file) {
    std::vector<std::byte> out{std::byte{0xFF}, std::byte{0xD8}};
    for (const JpegSegment& segment : file.segments) {
        if (segment.data.size() > kJpegMaxSegmentData)
            throw ContainerError("JPEG segment of " + std::to_string(segment.data.size()) + " bytes is too long");
        const std::size_t length = segment.data.size() + 2;
        out.push_back(std::byte{0xFF});
        out.push_back(std::byte{segment.marker});
        out.push_back(std::byte((length >> 8) & 0xFFu));
        out.push_back(std::byte(length & 0xFFu));
        append(out, segment.data);
    }
    append(out, file.scan);
    return out;
}

// ---- WebP ---------------------------------------------------------------------

std::vector<RiffChunk> parse_webp(std::span<const std::byte> webp) {
    if (sniff_image_container(webp) != ImageContainer::webp) throw ContainerError("not a WebP file");
    const std::uint64_t riff_size = le32(webp.data() + 4);
    if (riff_size + 8 != webp.size())
        throw ContainerError("WebP RIFF size " + std::to_string(riff_size) + " does not match the " +
                             std::to_string(webp.size()) + " bytes of the file");
    std::vector<RiffChunk> chunks;
    std::size_t pos = 12;
    while (pos < webp.size()) {
        if (webp.size() - pos < 8) throw ContainerError("WebP chunk" + at(pos) + " is truncated");
        const std::uint64_t size = le32(webp.data() + pos + 4);
        const std::uint64_t padded = size + (size & 1u);
        if (padded > webp.size() - pos - 8) throw ContainerError("WebP chunk" + at(pos) + " runs past the end of the file");
        chunks.push_back({fourcc_at(webp.data() + pos), webp.subspan(pos + 8, size), pos});
        pos += 8 + padded;
    }
    if (chunks.empty()) throw ContainerError("WebP holds no chunk");
    return chunks;
}

std::vector<std::byte> serialize_webp(const std::vector<RiffChunk>& chunks) {
    std::uint64_t total = 12;
    for (const RiffChunk& chunk : chunks) total += 8 + chunk.data.size() + (chunk.data.size() & 1u);
    if (total - 8 > 0xFFFFFFFFu) throw ContainerError("WebP would exceed the 4 GiB a RIFF file can hold");
    std::vector<std::byte> out;
    out.reserve(total);
    append(out, std::string("RIFF"));
    put_le32(out, static_cast<std::uint32_t>(total - 8));
    append(out, std::string("WEBP"));
    for (const RiffChunk& chunk : chunks) {
        if (chunk.fourcc.size() != 4 || chunk.data.size() > 0xFFFFFFFEu)
            throw ContainerError("WebP chunk " + chunk.fourcc + " cannot be written");
        append(out, chunk.fourcc);
        put_le32(out, static_cast<std::uint32_t>(chunk.data.size()));
        append(out, chunk.data);
        if (chunk.data.size() & 1u) out.push_back(std::byte{0});
    }
    return out;
}

}  // namespace raiiaf::detail
