// EXIF and XMP as the bytes that go into an image's metadata chunks, encoded
// with exiv2 (the library the importer reads them with).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct ExifFields {
    std::optional<std::string> user_comment;  // ExifIFD UserComment, as "UNICODE\0" + UTF-16BE
    std::optional<std::string> make;          // IFD0 Make (ComfyUI keeps "workflow:<json>" here)
    std::optional<std::string> model;         // IFD0 Model (ComfyUI: "prompt:<json>")
};
// A TIFF structure without JPEG's "Exif\0\0" prefix: `existing` (an image's
// EXIF, the prefix optional) with these fields set, every other tag kept; a
// fresh big-endian one when there is none or exiv2 cannot read it.
[[nodiscard]] std::vector<std::byte> encode_exif(const ExifFields& fields, std::span<const std::byte> existing = {});

// The IPTC Photo Metadata 2025 properties for generated images.
struct XmpFields {
    std::string ai_system;          // Iptc4xmpExt:AISystemUsed
    std::string ai_system_version;  // Iptc4xmpExt:AISystemVersionUsed
    std::string ai_prompt;          // Iptc4xmpExt:AIPromptInformation
    std::string creator_tool;       // xmp:CreatorTool
};
inline constexpr const char* kTrainedAlgorithmicMedia =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
// A complete XMP packet (with its xpacket wrapper), UTF-8.
[[nodiscard]] std::string encode_xmp(const XmpFields& fields);

// UTF-8 to UTF-16BE; invalid sequences become U+FFFD.
[[nodiscard]] std::vector<std::byte> utf16be(const std::string& utf8);
// UTF-8 to Latin-1 when every code point fits (and none is NUL); else nullopt.
[[nodiscard]] std::optional<std::string> latin1(const std::string& utf8);

RAIIAF_DETAIL_NAMESPACE_END
