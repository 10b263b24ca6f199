#include "image/metadata_writer.hpp"

#include <exiv2/exiv2.hpp>

#include <cstring>
#include <mutex>

#include "image/splice.hpp"

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// Code points of UTF-8 text; an invalid sequence yields U+FFFD and moves on one byte.
template <typename Sink>
void for_each_code_point(const std::string& utf8, Sink&& sink) {
    const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
    const std::size_t n = utf8.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char lead = s[i];
        std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
        char32_t cp = length == 1 ? lead : length == 2 ? lead & 0x1Fu : length == 3 ? lead & 0x0Fu : lead & 0x07u;
        bool valid = length != 0 && i + length <= n;
        for (std::size_t k = 1; valid && k < length; ++k) {
            if ((s[i + k] & 0xC0u) != 0x80u) valid = false;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (valid) {
            static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
            valid = cp >= kMinimum[length] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        }
        if (!valid) {
            sink(char32_t{0xFFFD}, false);
            ++i;
            continue;
        }
        sink(cp, true);
        i += length;
    }
}

void quiet_exiv2() {
    static std::once_flag once;
    std::call_once(once, [] {
        Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
        Exiv2::XmpParser::initialize();  // not thread-safe: once, before any use
    });
}

}  // namespace

std::vector<std::byte> utf16be(const std::string& utf8) {
    std::vector<std::byte> out;
    out.reserve(utf8.size() * 2);
    const auto unit = [&](char32_t u) {
        out.push_back(std::byte((u >> 8) & 0xFFu));
        out.push_back(std::byte(u & 0xFFu));
    };
    for_each_code_point(utf8, [&](char32_t cp, bool) {
        if (cp >= 0x10000) {
            cp -= 0x10000;
            unit(0xD800 + (cp >> 10));
            unit(0xDC00 + (cp & 0x3FFu));
        } else {
            unit(cp);
        }
    });
    return out;
}

std::optional<std::string> latin1(const std::string& utf8) {
    std::string out;
    bool fits = true;
    for_each_code_point(utf8, [&](char32_t cp, bool valid) {
        if (!valid || cp == 0 || cp > 0xFF) fits = false;
        out += static_cast<char>(cp & 0xFFu);
    });
    if (!fits) return std::nullopt;
    return out;
}

std::vector<std::byte> encode_exif(const ExifFields& fields, std::span<const std::byte> existing) {
    quiet_exiv2();
    try {
        Exiv2::ExifData exif;
        Exiv2::ByteOrder order = Exiv2::bigEndian;
        if (existing.size() >= 6 && std::memcmp(existing.data(), "Exif\0\0", 6) == 0) existing = existing.subspan(6);
        if (!existing.empty() && existing.size() < 0xFFFFFFFFu) {
            try {
                order = Exiv2::ExifParser::decode(exif, reinterpret_cast<const Exiv2::byte*>(existing.data()),
                                                  static_cast<std::uint32_t>(existing.size()));
                if (order == Exiv2::invalidByteOrder) order = Exiv2::bigEndian;
            } catch (const Exiv2::AnyError&) {  // unreadable: replaced by a fresh block
                exif.clear();
                order = Exiv2::bigEndian;
            }
        }
        if (fields.make) exif["Exif.Image.Make"] = *fields.make;
        if (fields.model) exif["Exif.Image.Model"] = *fields.model;
        if (fields.user_comment) {
            std::vector<std::byte> comment;
            for (const char c : std::string_view("UNICODE\0", 8)) comment.push_back(std::byte(c));
            const auto text = utf16be(*fields.user_comment);
            comment.insert(comment.end(), text.begin(), text.end());
            Exiv2::DataValue value(Exiv2::undefined);
            value.read(reinterpret_cast<const Exiv2::byte*>(comment.data()), static_cast<long>(comment.size()), order);
            if (const auto old = exif.findKey(Exiv2::ExifKey("Exif.Photo.UserComment")); old != exif.end()) exif.erase(old);
            exif.add(Exiv2::ExifKey("Exif.Photo.UserComment"), &value);
        }
        Exiv2::Blob blob;
        Exiv2::ExifParser::encode(blob, order, exif);
        std::vector<std::byte> out(blob.size());
        std::memcpy(out.data(), blob.data(), blob.size());
        return out;
    } catch (const Exiv2::AnyError& e) {
        throw SpliceError(std::string("EXIF cannot be encoded: ") + e.what());
    }
}

std::string encode_xmp(const XmpFields& fields) {
    quiet_exiv2();
    try {
        Exiv2::XmpData xmp;
        xmp["Xmp.iptcExt.DigitalSourceType"] = kTrainedAlgorithmicMedia;
        if (!fields.ai_system.empty()) xmp["Xmp.iptcExt.AISystemUsed"] = fields.ai_system;
        if (!fields.ai_system_version.empty()) xmp["Xmp.iptcExt.AISystemVersionUsed"] = fields.ai_system_version;
        if (!fields.ai_prompt.empty()) xmp["Xmp.iptcExt.AIPromptInformation"] = fields.ai_prompt;
        if (!fields.creator_tool.empty()) xmp["Xmp.xmp.CreatorTool"] = fields.creator_tool;
        std::string packet;
        if (Exiv2::XmpParser::encode(packet, xmp, Exiv2::XmpParser::useCompactFormat, 0) != 0)
            throw SpliceError("XMP cannot be encoded");
        return packet;
    } catch (const Exiv2::AnyError& e) {
        throw SpliceError(std::string("XMP cannot be encoded: ") + e.what());
    }
}

RAIIAF_DETAIL_NAMESPACE_END
