#include <cstring>

#include "format/little_endian.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"

namespace raiiaf {

std::string_view layout_name(Layout layout) noexcept { return layout == Layout::gen5 ? "gen5" : "raiiaf"; }
std::string_view layout_magic(Layout layout) noexcept { return layout == Layout::gen5 ? "GEN5" : "raiiaf"; }
std::string_view metadata_key(Layout layout) noexcept {
    return layout == Layout::gen5 ? "gen5_metadata" : "raiiaf_metadata";
}
std::size_t header_size(Layout layout) noexcept { return layout == Layout::gen5 ? 32 : 33; }

std::optional<Layout> layout_from_name(std::string_view name) noexcept {
    if (name == "raiiaf") return Layout::raiiaf;
    if (name == "gen5") return Layout::gen5;
    return std::nullopt;
}

std::string_view codec_name(Codec codec) noexcept {
    switch (codec) {
    case Codec::zfp: return "zfp";
    case Codec::zstd: return "zstd";
    case Codec::shuffle_zstd: return "shuffle-zstd";
    case Codec::raw: break;
    }
    return "raw";
}

std::optional<Codec> codec_from_name(std::string_view name) noexcept {
    for (Codec codec : {Codec::raw, Codec::zfp, Codec::zstd, Codec::shuffle_zstd})
        if (codec_name(codec) == name) return codec;
    return std::nullopt;
}

using detail::load_le;
using detail::store_le;

Header parse_header(std::span<const std::byte> bytes) {
    Header header;
    const auto starts_with = [&](std::string_view magic) {
        return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
    };
    if (starts_with(layout_magic(Layout::raiiaf))) {
        header.layout = Layout::raiiaf;
    } else if (starts_with(layout_magic(Layout::gen5))) {
        header.layout = Layout::gen5;
    } else {
        throw CorruptHeader("unknown magic: not a raiiaf or GEN5 file", ErrorLocation::at_offset(0));
    }
    if (bytes.size() < header_size(header.layout))
        throw CorruptHeader("header is truncated: " + std::to_string(bytes.size()) + " of " +
                                std::to_string(header_size(header.layout)) + " bytes",
                            ErrorLocation::at_offset(0));
    const std::byte* p = bytes.data();
    if (header.layout == Layout::raiiaf) {
        header.version_major = load_le<std::uint8_t>(p + 6);
        header.version_minor = load_le<std::uint8_t>(p + 7);
        header.flags = load_le<std::uint8_t>(p + 8);
        header.chunk_table_offset = load_le<std::uint32_t>(p + 9);
        header.chunk_table_size = load_le<std::uint32_t>(p + 13);
        header.chunk_count = load_le<std::uint32_t>(p + 17);
        header.file_size = load_le<std::uint64_t>(p + 21);
        header.reserved = load_le<std::uint32_t>(p + 29);
    } else {
        header.version_major = load_le<std::uint8_t>(p + 4);
        header.version_minor = load_le<std::uint8_t>(p + 5);
        header.flags = load_le<std::uint16_t>(p + 6);
        header.chunk_table_offset = load_le<std::uint32_t>(p + 8);
        header.chunk_table_size = load_le<std::uint32_t>(p + 12);
        header.chunk_count = load_le<std::uint32_t>(p + 16);
        header.file_size = load_le<std::uint32_t>(p + 20);
        header.reserved = load_le<std::uint64_t>(p + 24);
    }
    if (header.version_major < 1)
        throw CorruptHeader("version_major is 0", ErrorLocation::at_offset(header.layout == Layout::raiiaf ? 6u : 4u));
    return header;
}

std::vector<std::byte> encode_header(const Header& header) {
    std::vector<std::byte> bytes(header_size(header.layout));
    std::byte* p = bytes.data();
    const std::string_view magic = layout_magic(header.layout);
    std::memcpy(p, magic.data(), magic.size());
    const auto require_fits = [](std::uint64_t value, std::uint64_t max, const char* field) {
        if (value > max)
            throw InvalidArgument(std::string(field) + " " + std::to_string(value) + " does not fit the header");
    };
    if (header.layout == Layout::raiiaf) {
        require_fits(header.flags, 0xFF, "flags");
        require_fits(header.reserved, 0xFFFFFFFFu, "reserved");
        store_le<std::uint8_t>(p + 6, header.version_major);
        store_le<std::uint8_t>(p + 7, header.version_minor);
        store_le<std::uint8_t>(p + 8, static_cast<std::uint8_t>(header.flags));
        store_le<std::uint32_t>(p + 9, header.chunk_table_offset);
        store_le<std::uint32_t>(p + 13, header.chunk_table_size);
        store_le<std::uint32_t>(p + 17, header.chunk_count);
        store_le<std::uint64_t>(p + 21, header.file_size);
        store_le<std::uint32_t>(p + 29, static_cast<std::uint32_t>(header.reserved));
    } else {
        require_fits(header.file_size, 0xFFFFFFFFu, "file_size");
        store_le<std::uint8_t>(p + 4, header.version_major);
        store_le<std::uint8_t>(p + 5, header.version_minor);
        store_le<std::uint16_t>(p + 6, header.flags);
        store_le<std::uint32_t>(p + 8, header.chunk_table_offset);
        store_le<std::uint32_t>(p + 12, header.chunk_table_size);
        store_le<std::uint32_t>(p + 16, header.chunk_count);
        store_le<std::uint32_t>(p + 20, static_cast<std::uint32_t>(header.file_size));
        store_le<std::uint64_t>(p + 24, header.reserved);
    }
    return bytes;
}

}  // namespace raiiaf
