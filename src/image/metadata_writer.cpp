#include "image/metadata_writer.hpp"

#include <cstring>
#include <new>

#include "image/exiv2_loader.hpp"
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

// The plugin's table, or SpliceError saying why it cannot be loaded.
const raiiaf_exiv2_plugin& exiv2_plugin() {
    const Exiv2Plugin& exiv2 = loaded_exiv2_plugin();
    if (!exiv2.table) throw SpliceError(exiv2.error);
    return *exiv2.table;
}

raiiaf_exiv2_text text_argument(const std::string& text, bool present = true) {
    return {text.data(), text.size(), present ? 1 : 0};
}
raiiaf_exiv2_text text_argument(const std::optional<std::string>& text) {
    return text ? text_argument(*text) : raiiaf_exiv2_text{nullptr, 0, 0};
}

// The plugin's output, copied into a container of bytes (it must not throw into the plugin).
template <typename Bytes>
int copy_into(void* context, const unsigned char* data, std::size_t size) noexcept {
    try {
        auto& out = *static_cast<Bytes*>(context);
        out.resize(size);
        if (size != 0) std::memcpy(out.data(), data, size);
        return 0;
    } catch (const std::bad_alloc&) {
        return 1;
    }
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
    const raiiaf_exiv2_plugin& exiv2 = exiv2_plugin();
    if (existing.size() >= 6 && std::memcmp(existing.data(), "Exif\0\0", 6) == 0) existing = existing.subspan(6);
    std::string comment;
    if (fields.user_comment) {
        comment.assign("UNICODE\0", 8);
        const auto text = utf16be(*fields.user_comment);
        comment.append(reinterpret_cast<const char*>(text.data()), text.size());
    }
    std::vector<std::byte> out;
    char message[512] = "";
    const int result = exiv2.encode_exif(reinterpret_cast<const unsigned char*>(existing.data()), existing.size(),
                                         text_argument(fields.make), text_argument(fields.model),
                                         text_argument(comment, fields.user_comment.has_value()),
                                         &copy_into<std::vector<std::byte>>, &out, message, sizeof message);
    if (result == RAIIAF_EXIV2_SINK_FAILED) throw std::bad_alloc();
    if (result != RAIIAF_EXIV2_OK) throw SpliceError(std::string("EXIF cannot be encoded: ") + message);
    return out;
}

std::string encode_xmp(const XmpFields& fields) {
    const raiiaf_exiv2_plugin& exiv2 = exiv2_plugin();
    const auto optional_text = [](const std::string& text) { return text_argument(text, !text.empty()); };
    const raiiaf_exiv2_text source_type{kTrainedAlgorithmicMedia, std::strlen(kTrainedAlgorithmicMedia), 1};
    std::string packet;
    char message[512] = "";
    const int result = exiv2.encode_xmp(source_type, optional_text(fields.ai_system),
                                        optional_text(fields.ai_system_version), optional_text(fields.ai_prompt),
                                        optional_text(fields.creator_tool),
                                        &copy_into<std::string>, &packet, message, sizeof message);
    if (result == RAIIAF_EXIV2_SINK_FAILED) throw std::bad_alloc();
    if (result != RAIIAF_EXIV2_OK)
        throw SpliceError(message[0] != '\0' ? std::string("XMP cannot be encoded: ") + message
                                              : std::string("XMP cannot be encoded"));
    return packet;
}

RAIIAF_DETAIL_NAMESPACE_END
