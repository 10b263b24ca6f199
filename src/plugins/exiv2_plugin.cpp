// libraiiaf_exiv2.so: every call into exiv2, behind the C interface of
// src/image/exiv2_plugin.h. Self-contained: it links exiv2, not libraiiaf.
#include "image/exiv2_plugin.h"

#include <exiv2/exiv2.hpp>

#include <cstring>
#include <exception>
#include <string>

namespace {

void set_error(char* error, std::size_t capacity, const char* message) {
    if (capacity == 0) return;
    std::strncpy(error, message, capacity - 1);
    error[capacity - 1] = '\0';
}

std::string text_of(const raiiaf_exiv2_text& text) { return std::string(text.data, text.size); }

template <typename Body>
int guarded(char* error, std::size_t capacity, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::exception& e) {
        set_error(error, capacity, e.what());
    } catch (...) {
        set_error(error, capacity, "unknown exception");
    }
    return RAIIAF_EXIV2_FAILED;
}

int read_exif(const unsigned char* tiff, std::uint32_t size, int* big_endian, raiiaf_exiv2_value_buffer buffer_for,
              void* context, char* error, std::size_t capacity) {
    return guarded(error, capacity, [&] {
        Exiv2::ExifData data;
        const Exiv2::ByteOrder order = Exiv2::ExifParser::decode(data, tiff, size);
        if (order == Exiv2::invalidByteOrder) return static_cast<int>(RAIIAF_EXIV2_NO_TIFF_HEADER);
        *big_endian = order == Exiv2::bigEndian;
        for (const auto& datum : data) {
            const long value_size = datum.size();
            if (value_size <= 0) continue;
            const std::string group = datum.groupName();
            void* buffer = buffer_for(context, datum.tag(), group.c_str(), static_cast<std::size_t>(value_size));
            if (buffer != nullptr) datum.copy(static_cast<Exiv2::byte*>(buffer), order);
        }
        return static_cast<int>(RAIIAF_EXIV2_OK);
    });
}

int encode_exif(const unsigned char* existing, std::size_t existing_size, raiiaf_exiv2_text make,
                raiiaf_exiv2_text model, raiiaf_exiv2_text user_comment, raiiaf_exiv2_sink sink, void* context,
                char* error, std::size_t capacity) {
    return guarded(error, capacity, [&] {
        Exiv2::ExifData exif;
        Exiv2::ByteOrder order = Exiv2::bigEndian;
        if (existing_size > 0 && existing_size < 0xFFFFFFFFu) {
            try {
                order = Exiv2::ExifParser::decode(exif, existing, static_cast<std::uint32_t>(existing_size));
                if (order == Exiv2::invalidByteOrder) order = Exiv2::bigEndian;
            } catch (const Exiv2::AnyError&) {  // unreadable: replaced by a fresh block
                exif.clear();
                order = Exiv2::bigEndian;
            }
        }
        if (make.present) exif["Exif.Image.Make"] = text_of(make);
        if (model.present) exif["Exif.Image.Model"] = text_of(model);
        if (user_comment.present) {
            Exiv2::DataValue value(Exiv2::undefined);
            value.read(reinterpret_cast<const Exiv2::byte*>(user_comment.data), static_cast<long>(user_comment.size),
                       order);
            if (const auto old = exif.findKey(Exiv2::ExifKey("Exif.Photo.UserComment")); old != exif.end())
                exif.erase(old);
            exif.add(Exiv2::ExifKey("Exif.Photo.UserComment"), &value);
        }
        Exiv2::Blob blob;
        Exiv2::ExifParser::encode(blob, order, exif);
        if (sink(context, blob.data(), blob.size()) != 0) return static_cast<int>(RAIIAF_EXIV2_SINK_FAILED);
        return static_cast<int>(RAIIAF_EXIV2_OK);
    });
}

int encode_xmp(raiiaf_exiv2_text source_type, raiiaf_exiv2_text ai_system, raiiaf_exiv2_text ai_system_version,
               raiiaf_exiv2_text ai_prompt, raiiaf_exiv2_text creator_tool, raiiaf_exiv2_sink sink, void* context,
               char* error, std::size_t capacity) {
    return guarded(error, capacity, [&] {
        Exiv2::XmpData xmp;
        if (source_type.present) xmp["Xmp.iptcExt.DigitalSourceType"] = text_of(source_type);
        if (ai_system.present) xmp["Xmp.iptcExt.AISystemUsed"] = text_of(ai_system);
        if (ai_system_version.present) xmp["Xmp.iptcExt.AISystemVersionUsed"] = text_of(ai_system_version);
        if (ai_prompt.present) xmp["Xmp.iptcExt.AIPromptInformation"] = text_of(ai_prompt);
        if (creator_tool.present) xmp["Xmp.xmp.CreatorTool"] = text_of(creator_tool);
        std::string packet;
        if (Exiv2::XmpParser::encode(packet, xmp, Exiv2::XmpParser::useCompactFormat, 0) != 0) {
            set_error(error, capacity, "");
            return static_cast<int>(RAIIAF_EXIV2_FAILED);
        }
        if (sink(context, reinterpret_cast<const unsigned char*>(packet.data()), packet.size()) != 0)
            return static_cast<int>(RAIIAF_EXIV2_SINK_FAILED);
        return static_cast<int>(RAIIAF_EXIV2_OK);
    });
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const raiiaf_exiv2_plugin* raiiaf_exiv2_plugin_table() {
    // Once, before any use: XmpParser::initialize is not thread-safe, and
    // exiv2's log would write to stderr.
    // NULL when exiv2 cannot initialise.
    try {
        static const raiiaf_exiv2_plugin table = [] {
            Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
            Exiv2::XmpParser::initialize();
            return raiiaf_exiv2_plugin{RAIIAF_EXIV2_PLUGIN_ABI, Exiv2::version(), read_exif, encode_exif, encode_xmp};
        }();
        return &table;
    } catch (...) {
        return nullptr;
    }
}
