#include "format/image.hpp"

#include "format/crc32.hpp"
#include "format/spng_library.hpp"
#include "raiiaf/format.hpp"


#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

std::uint32_t read_be32(const unsigned char* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
std::uint16_t read_be16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t read_le16(const unsigned char* p) { return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8; }
std::uint32_t read_le24(const unsigned char* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
}
std::uint32_t read_le32(const unsigned char* p) { return read_le24(p) | std::uint32_t{p[3]} << 24; }

constexpr std::array<unsigned char, 8> kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

struct SpngFree {
    void operator()(spng_ctx* ctx) const { loaded_spng().spng_ctx_free(ctx); }
};

ImageProperties inspect_png(std::span<const unsigned char> png) {
    const Spng& png_library = loaded_spng();
    if (!png_library.error.empty()) throw ImageCheckError(png_library.error);
    std::unique_ptr<spng_ctx, SpngFree> ctx(png_library.spng_ctx_new(0));
    if (!ctx) throw ImageCheckError("out of memory");
    png_library.spng_set_crc_action(ctx.get(), SPNG_CRC_ERROR, SPNG_CRC_ERROR);
    png_library.spng_set_png_buffer(ctx.get(), png.data(), png.size());
    spng_ihdr ihdr{};
    if (const int rc = png_library.spng_get_ihdr(ctx.get(), &ihdr); rc != 0)
        throw ImageCheckError(std::string("PNG header is invalid: ") + png_library.spng_strerror(rc));

    // Walk every chunk and check its CRC without inflating the image data.
    std::size_t pos = kPngSignature.size();
    bool seen_iend = false;
    while (pos < png.size()) {
        if (png.size() - pos < 12)
            throw ImageCheckError("PNG chunk at offset " + std::to_string(pos) + " is truncated");
        const std::uint32_t length = read_be32(png.data() + pos);
        if (length > 0x7FFFFFFFu || length > png.size() - pos - 12)
            throw ImageCheckError("PNG chunk at offset " + std::to_string(pos) + " runs past the end");
        const unsigned char* type = png.data() + pos + 4;
        const std::uint32_t crc = crc32(std::as_bytes(std::span(type, 4 + std::size_t{length})));
        if (crc != read_be32(type + 4 + length))
            throw ImageCheckError("PNG chunk " + std::string(reinterpret_cast<const char*>(type), 4) +
                                  " at offset " + std::to_string(pos) + " has a wrong CRC");
        pos += 12 + length;
        if (std::memcmp(type, "IEND", 4) == 0) {
            seen_iend = true;
            break;
        }
    }
    if (!seen_iend) throw ImageCheckError("PNG has no IEND chunk");
    if (pos != png.size()) throw ImageCheckError("PNG has data after IEND");
    return {"png", ihdr.width, ihdr.height};
}

ImageProperties inspect_jpeg(std::span<const unsigned char> jpeg) {
    if (jpeg.size() < 4 || jpeg[jpeg.size() - 2] != 0xFF || jpeg[jpeg.size() - 1] != 0xD9)
        throw ImageCheckError("JPEG does not end with an EOI marker");
    std::size_t pos = 2;
    while (pos + 4 <= jpeg.size()) {
        if (jpeg[pos] != 0xFF) throw ImageCheckError("JPEG marker expected at offset " + std::to_string(pos));
        const unsigned char marker = jpeg[pos + 1];
        if (marker == 0xFF) {  // fill byte
            ++pos;
            continue;
        }
        const std::uint16_t length = read_be16(jpeg.data() + pos + 2);
        if (length < 2 || pos + 2 + length > jpeg.size())
            throw ImageCheckError("JPEG segment at offset " + std::to_string(pos) + " runs past the end");
        const bool is_frame_header = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
                                     marker != 0xC8 && marker != 0xCC;
        if (is_frame_header) {
            if (length < 8) throw ImageCheckError("JPEG frame header is too short");
            const std::uint16_t height = read_be16(jpeg.data() + pos + 5);
            const std::uint16_t width = read_be16(jpeg.data() + pos + 7);
            if (width == 0) throw ImageCheckError("JPEG frame header has zero width");
            return {"jpeg", width, height};
        }
        if (marker == 0xDA) break;  // scan data before any frame header
        pos += 2 + length;
    }
    throw ImageCheckError("JPEG has no frame header");
}

ImageProperties inspect_webp(std::span<const unsigned char> webp) {
    if (webp.size() < 30) throw ImageCheckError("WebP is truncated");
    const std::uint64_t riff_size = read_le32(webp.data() + 4);
    if (riff_size + 8 != webp.size())
        throw ImageCheckError("WebP RIFF size " + std::to_string(riff_size) + " does not match the data");
    const unsigned char* chunk = webp.data() + 12;
    const unsigned char* body = chunk + 8;
    if (std::memcmp(chunk, "VP8X", 4) == 0)
        return {"webp", read_le24(body + 4) + 1, read_le24(body + 7) + 1};
    if (std::memcmp(chunk, "VP8L", 4) == 0) {
        if (body[0] != 0x2F) throw ImageCheckError("WebP lossless signature is wrong");
        const std::uint32_t bits = read_le32(body + 1);
        return {"webp", (bits & 0x3FFFu) + 1, ((bits >> 14) & 0x3FFFu) + 1};
    }
    if (std::memcmp(chunk, "VP8 ", 4) == 0) {
        if (body[3] != 0x9D || body[4] != 0x01 || body[5] != 0x2A)
            throw ImageCheckError("WebP lossy start code is wrong");
        return {"webp", read_le16(body + 6) & 0x3FFFu, read_le16(body + 8) & 0x3FFFu};
    }
    throw ImageCheckError("WebP has no VP8, VP8L or VP8X chunk first");
}

}  // namespace

ImageProperties inspect_image(std::span<const std::byte> bytes) {
    const std::span<const unsigned char> data(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    const std::string_view format = detect_image_format(bytes);
    if (format == "png") return inspect_png(data);
    if (format == "jpeg") return inspect_jpeg(data);
    if (format == "webp") return inspect_webp(data);
    throw ImageCheckError("not a PNG, JPEG or WebP image");
}

RAIIAF_DETAIL_NAMESPACE_END

RAIIAF_NAMESPACE_BEGIN

std::string_view detect_image_format(std::span<const std::byte> bytes) noexcept {
    const auto starts_with = [&](std::size_t at, std::string_view magic) {
        return bytes.size() >= at + magic.size() && std::memcmp(bytes.data() + at, magic.data(), magic.size()) == 0;
    };
    if (starts_with(0, "\x89PNG\r\n\x1a\n")) return "png";
    if (starts_with(0, "\xff\xd8\xff")) return "jpeg";
    if (starts_with(0, "RIFF") && starts_with(8, "WEBP")) return "webp";
    return "";
}

RAIIAF_NAMESPACE_END
