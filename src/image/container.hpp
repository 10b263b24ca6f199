// The structure of the image files the container stores (PNG, JPEG, WebP):
// their segments, and the metadata texts inside them (READ side). The writer
// of image metadata splices segments using the offsets listed here.
//
// Every function takes untrusted bytes: lengths are checked against the data
// before use, compressed text is inflated only up to Limits::max_metadata_text_size,
// and any problem is an ImageError naming the segment and its offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/limits.hpp"

namespace raiiaf::detail::image {

// One structural unit of an image file:
//   PNG:  a chunk; type is its four letters ("IHDR", "tEXt", "IDAT", ...); the
//         unit runs from the length field to the CRC; data is the chunk data.
//   JPEG: a marker segment; type is the marker's name ("SOI", "APP1", "DQT",
//         "SOF0", "COM", "SOS", ...). The unit runs from the 0xFF marker byte;
//         data is the payload after the two length bytes. The "SOS" unit runs
//         to the end of the file (entropy-coded data, any later markers, EOI)
//         and its data is the scan header only. "SOI" has no data.
//   WebP: a RIFF chunk; type is its FourCC ("VP8X", "EXIF", "XMP ", "VP8L",
//         ...); the unit runs from the FourCC over the padding byte; data is
//         the chunk payload. The 12-byte "RIFF....WEBP" header is not a unit.
struct Segment {
    std::string type;
    std::uint64_t offset = 0;  // of the unit, from the start of the file
    std::uint64_t length = 0;  // of the whole unit
    std::span<const std::byte> data;
};

struct ContainerLayout {
    std::string format;  // "png", "jpeg", "webp"
    std::vector<Segment> segments;
};

struct ScanOptions {
    // PNG: check the CRC of IDAT chunks too (the others are always checked).
    // Off for metadata reading, which never needs the pixels.
    bool check_image_data_crc = false;
};

// Splits an image into its segments. The format comes from the signature;
// an unknown signature, a truncated unit, a length past the data or a wrong
// PNG CRC is an ImageError.
[[nodiscard]] ContainerLayout list_segments(std::span<const std::byte> bytes, const ScanOptions& options = {});

// One metadata text exactly as the image holds it, decoded to UTF-8.
//   source: "<container>:<kind>": "png:tEXt", "png:zTXt", "png:iTXt",
//           "png:eXIf" is not a source (its tags are: "exif:<TagName>"),
//           "exif:UserComment", "exif:Make", "exif:Model", "exif:ImageDescription",
//           "exif:Software", "exif:Artist", "exif:Copyright", "exif:XPComment",
//           "xmp:packet", "jpeg:COM", "stealth:pnginfo", "stealth:pngcomp",
//           "stealth:rgbinfo", "stealth:rgbcomp".
//   key:    the PNG keyword, the EXIF tag name, "XML:com.adobe.xmp" for XMP, "" for COM.
//   text:   the decoded text (tEXt/zTXt Latin-1 and EXIF UserComment UTF-16 become
//           UTF-8; bytes that are not valid UTF-8 where UTF-8 is expected are read as Latin-1).
struct MetadataText {
    std::string source;
    std::string key;
    std::string text;

    bool operator==(const MetadataText&) const = default;
};

enum class StealthScan {
    never,   // only the texts in chunks and segments
    always,  // also the least-significant bits of the pixels (PNG only)
};

// Every metadata text of the image in file order (stealth payloads last).
// Text that cannot be decoded (a bad zTXt stream, a payload over the size
// limit) is an ImageError, as is a malformed container.
[[nodiscard]] std::vector<MetadataText> read_metadata_texts(std::span<const std::byte> bytes, const Limits& limits,
                                                            StealthScan stealth = StealthScan::never);

// The texts of one TIFF/EXIF block (the payload of a JPEG APP1 "Exif\0\0"
// segment, a WebP EXIF chunk or a PNG eXIf chunk; the "Exif\0\0" prefix is
// optional), read with exiv2. Throws ImageError when exiv2 cannot read it.
[[nodiscard]] std::vector<MetadataText> read_exif_texts(std::span<const std::byte> exif, const Limits& limits);

// The stealth payload hidden in the least-significant bits of a PNG's pixels
// (the formats of the stealth_pnginfo extension: alpha or RGB, plain or gzip),
// or nothing when the magic is absent. Decodes only the rows needed to see
// the magic before deciding to decode more.
[[nodiscard]] std::vector<MetadataText> read_stealth_texts(std::span<const std::byte> png, const Limits& limits);

// zlib (RFC 1950) or gzip (RFC 1952, when gzip is true) data inflated up to
// max_size bytes; more output than that, or a damaged stream, is an ImageError.
[[nodiscard]] std::string inflate_bounded(std::span<const std::byte> compressed, std::uint64_t max_size, bool gzip,
                                          std::string_view what);

// Text decoders shared by the readers and their tests.
[[nodiscard]] std::string latin1_to_utf8(std::string_view latin1);
[[nodiscard]] bool is_valid_utf8(std::string_view text);
// EXIF UserComment: an 8-byte character code ("ASCII\0\0\0", "UNICODE\0",
// "JIS\0\0\0\0\0" or eight NULs) then the text; UNICODE is UTF-16 of either byte
// order (a BOM decides, else the position of the zero bytes of ASCII text,
// else the EXIF block's byte order). Trailing NULs are dropped.
[[nodiscard]] std::string decode_user_comment(std::span<const std::byte> value, bool exif_big_endian);

}  // namespace raiiaf::detail::image
