// Hand-made images for the image-metadata tests: PNG chunks in any order,
// stealth bits in the pixels, a small EXIF block, minimal JPEG and WebP files.
#pragma once

#include <spng.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace raiiaf::testing {

using FileBytes = std::vector<std::byte>;

inline void put(FileBytes& out, std::string_view text) {
    for (const char c : text) out.push_back(static_cast<std::byte>(c));
}
inline void put_be32(FileBytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>(v >> shift & 0xFF));
}
inline void put_le32(FileBytes& out, std::uint32_t v) {
    for (int shift = 0; shift <= 24; shift += 8) out.push_back(static_cast<std::byte>(v >> shift & 0xFF));
}
inline void put_be16(FileBytes& out, std::uint32_t v) {
    out.push_back(static_cast<std::byte>(v >> 8 & 0xFF));
    out.push_back(static_cast<std::byte>(v & 0xFF));
}
inline std::string as_string(const FileBytes& bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }

inline std::string zlib_compress(std::string_view text, bool gzip = false) {
    z_stream stream{};
    deflateInit2(&stream, 9, Z_DEFLATED, gzip ? 16 + MAX_WBITS : MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&stream, text.size()) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

// One PNG chunk with its length and CRC.
inline FileBytes png_chunk(std::string_view type, std::string_view data) {
    FileBytes out;
    put_be32(out, static_cast<std::uint32_t>(data.size()));
    put(out, type);
    put(out, data);
    const uLong crc = crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(out.data() + 4), 4 + data.size());
    put_be32(out, static_cast<std::uint32_t>(crc));
    return out;
}
inline std::string text_chunk_data(std::string_view keyword, std::string_view text) {
    return std::string(keyword) + '\0' + std::string(text);
}
inline std::string ztxt_chunk_data(std::string_view keyword, std::string_view text) {
    return std::string(keyword) + '\0' + '\0' + zlib_compress(text);
}
inline std::string itxt_chunk_data(std::string_view keyword, std::string_view text, bool compressed) {
    std::string data = std::string(keyword) + '\0' + (compressed ? '\1' : '\0') + '\0' + "en" + '\0' + '\0';
    return data + (compressed ? zlib_compress(text) : std::string(text));
}

// An 8-bit RGBA (or RGB) image encoded by libspng.
inline FileBytes encode_png(const std::vector<std::uint8_t>& pixels, std::uint32_t width, std::uint32_t height,
                        bool alpha, bool interlaced = false) {
    const std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(SPNG_CTX_ENCODER), spng_ctx_free);
    spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
    spng_ihdr ihdr{};
    ihdr.width = width;
    ihdr.height = height;
    ihdr.bit_depth = 8;
    ihdr.color_type = alpha ? SPNG_COLOR_TYPE_TRUECOLOR_ALPHA : SPNG_COLOR_TYPE_TRUECOLOR;
    ihdr.interlace_method = interlaced ? 1 : 0;
    int error = spng_set_ihdr(ctx.get(), &ihdr);
    if (error == 0)
        error = spng_encode_image(ctx.get(), pixels.data(), pixels.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    if (error != 0) throw std::runtime_error(std::string("spng: ") + spng_strerror(error));
    std::size_t size = 0;
    void* buffer = spng_get_png_buffer(ctx.get(), &size, &error);
    FileBytes png(size);
    std::memcpy(png.data(), buffer, size);
    std::free(buffer);
    return png;
}

inline FileBytes small_png(std::uint32_t width = 4, std::uint32_t height = 4, bool alpha = false) {
    std::vector<std::uint8_t> pixels(std::size_t{width} * height * (alpha ? 4 : 3), 0x80);
    return encode_png(pixels, width, height, alpha);
}

// A PNG's chunks split apart: [signature+IHDR...] before IDAT, IDAT.., IEND.
// Inserts `extra` chunks before the first IDAT or just before IEND.
inline FileBytes png_with_chunks(const FileBytes& png, const std::vector<FileBytes>& extra, bool after_image_data) {
    std::size_t pos = 8, insert_at = 0;
    while (pos + 12 <= png.size()) {
        const auto* p = reinterpret_cast<const unsigned char*>(png.data() + pos);
        const std::uint32_t length = std::uint32_t{p[0]} << 24 | p[1] << 16 | p[2] << 8 | p[3];
        const std::string type(reinterpret_cast<const char*>(p + 4), 4);
        if (!after_image_data && type == "IDAT" && insert_at == 0) insert_at = pos;
        if (after_image_data && type == "IEND") insert_at = pos;
        pos += 12 + length;
    }
    FileBytes out(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(insert_at));
    for (const auto& chunk : extra) out.insert(out.end(), chunk.begin(), chunk.end());
    out.insert(out.end(), png.begin() + static_cast<std::ptrdiff_t>(insert_at), png.end());
    return out;
}

// Pixels carrying `payload` the way the stealth_pnginfo extension writes it:
// magic, 32-bit bit length, payload, in the alpha or RGB low bits, column-major.
inline std::vector<std::uint8_t> stealth_pixels(std::string_view magic, std::string_view payload, std::uint32_t width,
                                                std::uint32_t height, bool in_alpha) {
    std::vector<std::uint8_t> pixels(std::size_t{width} * height * 4, 0xAA);  // LSBs 0, alpha 0xAA
    std::vector<bool> bits;
    const auto add_byte = [&](unsigned char byte) {
        for (int i = 7; i >= 0; --i) bits.push_back((byte >> i & 1) != 0);
    };
    for (const char c : magic) add_byte(static_cast<unsigned char>(c));
    const auto length = static_cast<std::uint32_t>(payload.size() * 8);
    for (int shift = 24; shift >= 0; shift -= 8) add_byte(static_cast<unsigned char>(length >> shift & 0xFF));
    for (const char c : payload) add_byte(static_cast<unsigned char>(c));
    const std::size_t per_pixel = in_alpha ? 1 : 3;
    if (bits.size() > std::size_t{width} * height * per_pixel) throw std::runtime_error("stealth payload too big");
    for (std::size_t i = 0; i < bits.size(); ++i) {
        const std::size_t pixel = i / per_pixel;
        const std::size_t x = pixel / height, y = pixel % height;
        const std::size_t channel = in_alpha ? 3 : i % per_pixel;
        auto& value = pixels[(y * width + x) * 4 + channel];
        value = static_cast<std::uint8_t>((value & 0xFE) | (bits[i] ? 1 : 0));
    }
    return pixels;
}

// A big-endian or little-endian TIFF block with IFD0 ASCII tags and, if
// user_comment is not empty, an Exif IFD holding UserComment (UNDEFINED).
struct ExifTag {
    std::uint16_t tag;
    std::string value;  // ASCII: NUL added
};
inline FileBytes exif_block(const std::vector<ExifTag>& ifd0, const std::string& user_comment, bool big_endian,
                        bool with_prefix) {
    FileBytes tiff;
    const auto u16 = [&](FileBytes& out, std::uint32_t v) {
        if (big_endian) put_be16(out, v);
        else { out.push_back(static_cast<std::byte>(v & 0xFF)); out.push_back(static_cast<std::byte>(v >> 8 & 0xFF)); }
    };
    const auto u32 = [&](FileBytes& out, std::uint32_t v) { big_endian ? put_be32(out, v) : put_le32(out, v); };
    put(tiff, big_endian ? "MM" : "II");
    u16(tiff, 42);
    u32(tiff, 8);
    const std::size_t count0 = ifd0.size() + (user_comment.empty() ? 0 : 1);
    const std::size_t ifd0_size = 2 + 12 * count0 + 4;
    const bool has_exif_ifd = !user_comment.empty();
    const std::size_t exif_ifd_offset = 8 + ifd0_size;
    const std::size_t exif_ifd_size = has_exif_ifd ? 2 + 12 + 4 : 0;
    std::size_t data_offset = exif_ifd_offset + exif_ifd_size;
    FileBytes data;
    std::vector<ExifTag> sorted = ifd0;
    u16(tiff, static_cast<std::uint32_t>(count0));
    for (const auto& tag : sorted) {
        const std::string value = tag.value + '\0';
        u16(tiff, tag.tag);
        u16(tiff, 2);  // ASCII
        u32(tiff, static_cast<std::uint32_t>(value.size()));
        if (value.size() <= 4) {
            std::string padded = value;
            padded.resize(4, '\0');
            put(tiff, padded);
        } else {
            u32(tiff, static_cast<std::uint32_t>(data_offset + data.size()));
            put(data, value);
            if (data.size() % 2) data.push_back(std::byte{0});
        }
    }
    if (has_exif_ifd) {
        u16(tiff, 0x8769);
        u16(tiff, 4);  // LONG
        u32(tiff, 1);
        u32(tiff, static_cast<std::uint32_t>(exif_ifd_offset));
    }
    u32(tiff, 0);
    if (has_exif_ifd) {
        u16(tiff, 1);
        u16(tiff, 0x9286);
        u16(tiff, 7);  // UNDEFINED
        u32(tiff, static_cast<std::uint32_t>(user_comment.size()));
        u32(tiff, static_cast<std::uint32_t>(data_offset + data.size()));
        put(data, user_comment);
        u32(tiff, 0);
    }
    tiff.insert(tiff.end(), data.begin(), data.end());
    FileBytes out;
    if (with_prefix) put(out, std::string_view("Exif\0\0", 6));
    out.insert(out.end(), tiff.begin(), tiff.end());
    return out;
}

// "UNICODE\0" + UTF-16 of ASCII/BMP text given as UTF-8 (no surrogates needed here).
inline std::string unicode_user_comment(const std::u16string& text, bool big_endian) {
    std::string out("UNICODE\0", 8);
    for (const char16_t unit : text) {
        const char hi = static_cast<char>(unit >> 8), lo = static_cast<char>(unit & 0xFF);
        out += big_endian ? hi : lo;
        out += big_endian ? lo : hi;
    }
    return out;
}

// SOI, APP1 Exif, a frame header, SOS, a few scan bytes, EOI.
inline FileBytes minimal_jpeg(const FileBytes& exif_payload_with_prefix, const std::string& comment = {}) {
    FileBytes out{std::byte{0xFF}, std::byte{0xD8}};
    const auto segment = [&](unsigned char marker, const FileBytes& payload) {
        out.push_back(std::byte{0xFF});
        out.push_back(static_cast<std::byte>(marker));
        put_be16(out, static_cast<std::uint32_t>(payload.size() + 2));
        out.insert(out.end(), payload.begin(), payload.end());
    };
    if (!exif_payload_with_prefix.empty()) segment(0xE1, exif_payload_with_prefix);
    if (!comment.empty()) {
        FileBytes com;
        put(com, comment);
        segment(0xFE, com);
    }
    FileBytes sof;
    put(sof, std::string_view("\x08\x00\x10\x00\x10\x01\x01\x11\x00", 9));
    segment(0xC0, sof);
    FileBytes sos;
    put(sos, std::string_view("\x01\x01\x00\x00\x3F\x00", 6));
    segment(0xDA, sos);
    put(out, std::string_view("\x12\x34\xFF\x00\x56", 5));
    out.push_back(std::byte{0xFF});
    out.push_back(std::byte{0xD9});
    return out;
}

// RIFF WEBP with a VP8L header chunk and, if given, an EXIF chunk.
inline FileBytes minimal_webp(const FileBytes& exif) {
    FileBytes body;
    put(body, "WEBP");
    const auto chunk = [&](std::string_view type, const FileBytes& payload) {
        put(body, type);
        put_le32(body, static_cast<std::uint32_t>(payload.size()));
        body.insert(body.end(), payload.begin(), payload.end());
        if (payload.size() % 2) body.push_back(std::byte{0});
    };
    FileBytes vp8l;
    put(vp8l, std::string_view("\x2F\x00\x00\x00\x00", 5));
    chunk("VP8L", vp8l);
    if (!exif.empty()) chunk("EXIF", exif);
    FileBytes out;
    put(out, "RIFF");
    put_le32(out, static_cast<std::uint32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace raiiaf::testing
