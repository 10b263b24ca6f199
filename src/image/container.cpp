#include "image/container.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "format/crc32.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN
namespace image {

namespace {

const unsigned char* bytes_of(std::span<const std::byte> data) {
    return reinterpret_cast<const unsigned char*>(data.data());
}
std::string_view as_text(std::span<const std::byte> data) {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

std::uint32_t read_be32(const unsigned char* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
std::uint32_t read_le32(const unsigned char* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

[[noreturn]] void fail(const std::string& what, std::uint64_t offset, std::string type = {}) {
    throw ImageError(what, ErrorLocation{{}, std::move(type), offset, {}});
}

constexpr std::array<unsigned char, 8> kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

bool starts_with(std::span<const std::byte> data, std::string_view prefix) {
    return data.size() >= prefix.size() && std::memcmp(data.data(), prefix.data(), prefix.size()) == 0;
}

ContainerLayout list_png(std::span<const std::byte> bytes, const ScanOptions& options) {
    const unsigned char* png = bytes_of(bytes);
    ContainerLayout layout{"png", {}};
    std::size_t pos = kPngSignature.size();
    while (true) {
        if (pos == bytes.size()) fail("PNG ends without an IEND chunk", pos);
        if (bytes.size() - pos < 12) fail("PNG chunk is truncated", pos);
        const std::uint32_t length = read_be32(png + pos);
        const std::string type(reinterpret_cast<const char*>(png + pos + 4), 4);
        if (length > 0x7FFFFFFFu || length > bytes.size() - pos - 12)
            fail("PNG chunk length " + std::to_string(length) + " runs past the end of the file", pos, type);
        if (!std::all_of(type.begin(), type.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
            fail("PNG chunk type is not four letters", pos);
        if (layout.segments.empty() && type != "IHDR") fail("PNG does not start with an IHDR chunk", pos, type);
        if (type != "IDAT" || options.check_image_data_crc) {
            const std::uint32_t crc = detail::crc32(bytes.subspan(pos + 4, 4 + std::size_t{length}));
            if (crc != read_be32(png + pos + 8 + length)) fail("PNG chunk has a wrong CRC", pos, type);
        }
        layout.segments.push_back({type, pos, std::uint64_t{length} + 12, bytes.subspan(pos + 8, length)});
        pos += std::size_t{length} + 12;
        if (type == "IEND") break;  // anything after IEND is not part of the PNG
    }
    return layout;
}

std::string jpeg_marker_name(unsigned char marker) {
    if (marker >= 0xE0 && marker <= 0xEF) return "APP" + std::to_string(marker - 0xE0);
    if (marker >= 0xD0 && marker <= 0xD7) return "RST" + std::to_string(marker - 0xD0);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
        return "SOF" + std::to_string(marker - 0xC0);
    switch (marker) {
        case 0xC4: return "DHT";
        case 0xC8: return "JPG";
        case 0xCC: return "DAC";
        case 0xD8: return "SOI";
        case 0xD9: return "EOI";
        case 0xDA: return "SOS";
        case 0xDB: return "DQT";
        case 0xDC: return "DNL";
        case 0xDD: return "DRI";
        case 0xFE: return "COM";
        default: {
            static const char* hex = "0123456789ABCDEF";
            return std::string("marker 0x") + hex[marker >> 4] + hex[marker & 15];
        }
    }
}

ContainerLayout list_jpeg(std::span<const std::byte> bytes) {
    const unsigned char* jpeg = bytes_of(bytes);
    ContainerLayout layout{"jpeg", {{"SOI", 0, 2, {}}}};
    std::size_t pos = 2;
    while (true) {
        if (pos >= bytes.size()) fail("JPEG ends before its scan data", pos);
        if (jpeg[pos] != 0xFF) fail("JPEG marker expected", pos);
        std::size_t marker_pos = pos;
        while (marker_pos + 1 < bytes.size() && jpeg[marker_pos + 1] == 0xFF) ++marker_pos;  // fill bytes
        if (marker_pos + 1 >= bytes.size()) fail("JPEG ends inside a marker", pos);
        const unsigned char marker = jpeg[marker_pos + 1];
        const std::string name = jpeg_marker_name(marker);
        if (marker == 0xD9) fail("JPEG ends (EOI) before any scan data", marker_pos, name);
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8))
            fail("JPEG has a standalone marker before its scan data", marker_pos, name);
        if (bytes.size() - marker_pos < 4) fail("JPEG segment is truncated", marker_pos, name);
        const std::size_t length = std::size_t{jpeg[marker_pos + 2]} << 8 | jpeg[marker_pos + 3];
        if (length < 2 || length > bytes.size() - marker_pos - 2)
            fail("JPEG segment length " + std::to_string(length) + " runs past the end of the file", marker_pos, name);
        const auto payload = bytes.subspan(marker_pos + 4, length - 2);
        if (marker == 0xDA) {
            layout.segments.push_back({name, pos, bytes.size() - pos, payload});
            return layout;
        }
        layout.segments.push_back({name, pos, marker_pos - pos + 2 + length, payload});
        pos = marker_pos + 2 + length;
    }
}

ContainerLayout list_webp(std::span<const std::byte> bytes) {
    const unsigned char* webp = bytes_of(bytes);
    const std::uint64_t riff_size = read_le32(webp + 4);
    if (riff_size + 8 > bytes.size())
        fail("WebP RIFF size " + std::to_string(riff_size) + " runs past the end of the file", 4);
    const std::size_t end = static_cast<std::size_t>(riff_size) + 8;
    ContainerLayout layout{"webp", {}};
    std::size_t pos = 12;
    while (pos < end) {
        if (end - pos < 8) fail("WebP chunk header is truncated", pos);
        const std::string type(reinterpret_cast<const char*>(webp + pos), 4);
        const std::uint64_t size = read_le32(webp + pos + 4);
        const std::uint64_t padded = size + (size & 1);
        if (padded > end - pos - 8 && size != end - pos - 8)  // a missing last pad byte is tolerated
            fail("WebP chunk size " + std::to_string(size) + " runs past the end of the RIFF data", pos, type);
        const std::uint64_t unit = std::min<std::uint64_t>(8 + padded, end - pos);
        layout.segments.push_back({type, pos, unit, bytes.subspan(pos + 8, static_cast<std::size_t>(size))});
        pos += static_cast<std::size_t>(unit);
    }
    if (layout.segments.empty()) fail("WebP has no chunks", 12);
    return layout;
}

// ---- text chunks --------------------------------------------------------------------

// "keyword\0rest": the keyword (1 to 79 bytes, PNG's rule) and the rest.
std::pair<std::string, std::span<const std::byte>> split_keyword(const Segment& chunk) {
    const auto text = as_text(chunk.data);
    const auto nul = text.find('\0');
    if (nul == std::string_view::npos) fail("PNG text chunk has no NUL after its keyword", chunk.offset, chunk.type);
    if (nul == 0 || nul > 79) fail("PNG text chunk keyword is not 1 to 79 bytes", chunk.offset, chunk.type);
    return {std::string(text.substr(0, nul)), chunk.data.subspan(nul + 1)};
}

std::string utf8_or_latin1(std::string_view text) {
    return is_valid_utf8(text) ? std::string(text) : latin1_to_utf8(text);
}

std::string checked_size(std::span<const std::byte> text, const Limits& limits, const Segment& where) {
    if (text.size() > limits.max_metadata_text_size)
        fail("metadata text of " + std::to_string(text.size()) + " bytes is over the limit of " +
                 std::to_string(limits.max_metadata_text_size),
             where.offset, where.type);
    return std::string(as_text(text));
}

MetadataText decode_png_text(const Segment& chunk, const Limits& limits) {
    auto [keyword, rest] = split_keyword(chunk);
    const std::string what = "PNG " + chunk.type + " \"" + keyword + "\" at offset " + std::to_string(chunk.offset);
    if (chunk.type == "tEXt") return {"png:tEXt", keyword, latin1_to_utf8(checked_size(rest, limits, chunk))};
    if (chunk.type == "zTXt") {
        if (rest.empty() || rest[0] != std::byte{0}) fail("PNG zTXt compression method is not 0", chunk.offset, "zTXt");
        return {"png:zTXt", keyword,
                latin1_to_utf8(inflate_bounded(rest.subspan(1), limits.max_metadata_text_size, false, what))};
    }
    // iTXt: flag, method, language tag NUL, translated keyword NUL, UTF-8 text.
    if (rest.size() < 2) fail("PNG iTXt chunk is truncated", chunk.offset, "iTXt");
    const bool compressed = rest[0] != std::byte{0};
    if (compressed && rest[1] != std::byte{0}) fail("PNG iTXt compression method is not 0", chunk.offset, "iTXt");
    auto tail = rest.subspan(2);
    for (int field = 0; field < 2; ++field) {
        const auto text = as_text(tail);
        const auto nul = text.find('\0');
        if (nul == std::string_view::npos) fail("PNG iTXt chunk is truncated", chunk.offset, "iTXt");
        tail = tail.subspan(nul + 1);
    }
    std::string text = compressed ? inflate_bounded(tail, limits.max_metadata_text_size, false, what)
                                  : checked_size(tail, limits, chunk);
    return {"png:iTXt", keyword, utf8_or_latin1(text)};
}

constexpr std::string_view kExifPrefix{"Exif\0\0", 6};
constexpr std::string_view kXmpPrefix{"http://ns.adobe.com/xap/1.0/\0", 29};
constexpr const char* kXmpKey = "XML:com.adobe.xmp";

void append(std::vector<MetadataText>& out, std::vector<MetadataText> more) {
    out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

std::vector<MetadataText> exif_texts_at(const Segment& segment, std::span<const std::byte> exif, const Limits& limits) {
    try {
        return read_exif_texts(exif, limits);
    } catch (const ImageError& error) {
        fail(error.reason(), segment.offset, segment.type);
    }
}

}  // namespace

ContainerLayout list_segments(std::span<const std::byte> bytes, const ScanOptions& options) {
    const auto* data = bytes_of(bytes);
    if (bytes.size() >= kPngSignature.size() && std::equal(kPngSignature.begin(), kPngSignature.end(), data))
        return list_png(bytes, options);
    if (bytes.size() >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return list_jpeg(bytes);
    if (bytes.size() >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0)
        return list_webp(bytes);
    fail("not a PNG, JPEG or WebP image (unknown signature)", 0);
}

std::vector<MetadataText> read_metadata_texts(std::span<const std::byte> bytes, const Limits& limits,
                                              StealthScan stealth) {
    const ContainerLayout layout = list_segments(bytes);
    std::vector<MetadataText> texts;
    for (const Segment& segment : layout.segments) {
        if (layout.format == "png") {
            if (segment.type == "tEXt" || segment.type == "zTXt" || segment.type == "iTXt")
                texts.push_back(decode_png_text(segment, limits));
            else if (segment.type == "eXIf")
                append(texts, exif_texts_at(segment, segment.data, limits));
        } else if (layout.format == "jpeg") {
            if (segment.type == "APP1" && starts_with(segment.data, kExifPrefix))
                append(texts, exif_texts_at(segment, segment.data, limits));
            else if (segment.type == "APP1" && starts_with(segment.data, kXmpPrefix))
                texts.push_back({"xmp:packet", kXmpKey,
                                 utf8_or_latin1(checked_size(segment.data.subspan(kXmpPrefix.size()), limits, segment))});
            else if (segment.type == "COM")
                texts.push_back({"jpeg:COM", "", utf8_or_latin1(checked_size(segment.data, limits, segment))});
        } else {
            if (segment.type == "EXIF")
                append(texts, exif_texts_at(segment, segment.data, limits));
            else if (segment.type == "XMP ")
                texts.push_back({"xmp:packet", kXmpKey, utf8_or_latin1(checked_size(segment.data, limits, segment))});
        }
    }
    if (stealth == StealthScan::always && layout.format == "png") append(texts, read_stealth_texts(bytes, limits));
    return texts;
}

std::string inflate_bounded(std::span<const std::byte> compressed, std::uint64_t max_size, bool gzip,
                            std::string_view what) {
    z_stream stream{};
    if (inflateInit2(&stream, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK)
        throw ImageError("cannot start zlib for " + std::string(what));
    std::string out;
    std::array<unsigned char, 64 * 1024> buffer{};
    stream.next_in = const_cast<Bytef*>(bytes_of(compressed));
    stream.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size(), UINT32_MAX));
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        stream.next_out = buffer.data();
        stream.avail_out = buffer.size();
        rc = inflate(&stream, Z_NO_FLUSH);
        const std::size_t produced = buffer.size() - stream.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&stream);
            throw ImageError(std::string(what) + ": compressed text is damaged or truncated" +
                             (stream.msg ? std::string(" (") + stream.msg + ")" : std::string()));
        }
        if (out.size() + produced > max_size) {
            inflateEnd(&stream);
            throw ImageError(std::string(what) + ": compressed text expands past the limit of " +
                             std::to_string(max_size) + " bytes");
        }
        out.append(reinterpret_cast<const char*>(buffer.data()), produced);
        if (rc == Z_OK && produced == 0 && stream.avail_in == 0) {
            inflateEnd(&stream);
            throw ImageError(std::string(what) + ": compressed text is truncated");
        }
    }
    inflateEnd(&stream);
    return out;
}

std::string latin1_to_utf8(std::string_view latin1) {
    std::string out;
    out.reserve(latin1.size());
    for (const char c : latin1) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x80) {
            out += c;
        } else {
            out += static_cast<char>(0xC0 | byte >> 6);
            out += static_cast<char>(0x80 | (byte & 0x3F));
        }
    }
    return out;
}

bool is_valid_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char lead = p[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if ((lead & 0xE0) == 0xC0) extra = 1, code = lead & 0x1F;
        else if ((lead & 0xF0) == 0xE0) extra = 2, code = lead & 0x0F;
        else if ((lead & 0xF8) == 0xF0) extra = 3, code = lead & 0x07;
        else return false;
        if (n - i <= extra) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            code = code << 6 | (p[i + k] & 0x3F);
        }
        static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
        if (code < kMinimum[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

namespace {

void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | code >> 6);
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | code >> 12);
        out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | code >> 18);
        out += static_cast<char>(0x80 | (code >> 12 & 0x3F));
        out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

std::string utf16_to_utf8(const unsigned char* p, std::size_t units, bool big_endian) {
    std::string out;
    out.reserve(units);
    auto unit = [&](std::size_t i) -> std::uint32_t {
        return big_endian ? (std::uint32_t{p[2 * i]} << 8 | p[2 * i + 1]) : (std::uint32_t{p[2 * i + 1]} << 8 | p[2 * i]);
    };
    for (std::size_t i = 0; i < units; ++i) {
        std::uint32_t code = unit(i);
        if (code >= 0xD800 && code <= 0xDBFF && i + 1 < units && unit(i + 1) >= 0xDC00 && unit(i + 1) <= 0xDFFF) {
            code = 0x10000 + ((code - 0xD800) << 10) + (unit(i + 1) - 0xDC00);
            ++i;
        } else if (code >= 0xD800 && code <= 0xDFFF) {
            code = 0xFFFD;  // a lone surrogate
        }
        append_utf8(out, code);
    }
    return out;
}

}  // namespace

std::string decode_user_comment(std::span<const std::byte> value, bool exif_big_endian) {
    const unsigned char* p = bytes_of(value);
    if (value.size() < 8) return utf8_or_latin1(as_text(value));
    const std::string_view code(reinterpret_cast<const char*>(p), 8);
    const unsigned char* body = p + 8;
    std::size_t size = value.size() - 8;
    if (code == std::string_view("UNICODE\0", 8)) {
        size &= ~std::size_t{1};
        bool big_endian = exif_big_endian;
        std::size_t skip = 0;
        if (size >= 2 && body[0] == 0xFE && body[1] == 0xFF) big_endian = true, skip = 2;
        else if (size >= 2 && body[0] == 0xFF && body[1] == 0xFE) big_endian = false, skip = 2;
        else {
            // ASCII text in UTF-16BE has its zero bytes first in each pair.
            std::size_t zero_even = 0, zero_odd = 0;
            for (std::size_t i = 0; i < size; i += 2) {
                zero_even += body[i] == 0;
                zero_odd += body[i + 1] == 0;
            }
            if (zero_even != zero_odd) big_endian = zero_even > zero_odd;
        }
        std::string text = utf16_to_utf8(body + skip, (size - skip) / 2, big_endian);
        while (!text.empty() && text.back() == '\0') text.pop_back();
        return text;
    }
    std::string_view text(reinterpret_cast<const char*>(body), size);
    while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
    return utf8_or_latin1(text);  // ASCII, JIS (kept as bytes) or undefined
}

}  // namespace image
RAIIAF_DETAIL_NAMESPACE_END
