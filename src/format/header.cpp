#include <cstring>

#include "format/header_fields.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"

RAIIAF_NAMESPACE_BEGIN

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

namespace detail {

const HeaderFields& header_fields(Layout layout) noexcept {
    static constexpr HeaderFields kRaiiaf{{6, 1}, {7, 1}, {8, 1}, {9, 4}, {13, 4}, {17, 4}, {21, 8}, {29, 4}};
    static constexpr HeaderFields kGen5{{4, 1}, {5, 1}, {6, 2}, {8, 4}, {12, 4}, {16, 4}, {20, 4}, {24, 8}};
    return layout == Layout::gen5 ? kGen5 : kRaiiaf;
}

}  // namespace detail

namespace {

std::uint64_t load_field(const std::byte* header, detail::HeaderField field) {
    std::uint64_t value = 0;
    std::memcpy(&value, header + field.offset, field.size);  // little-endian host (little_endian.hpp)
    return value;
}

void store_field(std::byte* header, detail::HeaderField field, std::uint64_t value, const char* name) {
    if (field.size < 8 && value >> (8 * field.size) != 0)
        throw InvalidArgument(std::string(name) + " " + std::to_string(value) + " does not fit the header's " +
                              std::to_string(field.size) + "-byte field");
    std::memcpy(header + field.offset, &value, field.size);
}

}  // namespace

Header parse_header(std::span<const std::byte> bytes) {
    const auto starts_with = [&](std::string_view magic) {
        return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
    };
    Layout layout = Layout::raiiaf;
    if (starts_with(layout_magic(Layout::raiiaf))) {
        layout = Layout::raiiaf;
    } else if (starts_with(layout_magic(Layout::gen5))) {
        layout = Layout::gen5;
    } else {
        throw CorruptHeader("unknown magic: not a raiiaf or GEN5 file", ErrorLocation::at_offset(0));
    }
    const Header header = decode_header_fields(layout, bytes);
    const auto& fields = detail::header_fields(header.layout);
    if (header.version_major < 1)
        throw CorruptHeader("version_major is 0", ErrorLocation::at_offset(fields.version_major.offset));
    // A new major version may change anything (FORMAT.md section 2): refused, never guessed at.
    if (header.version_major > kSupportedVersionMajor)
        throw CorruptHeader("unsupported format version " + std::to_string(header.version_major) + "." +
                                std::to_string(header.version_minor) + ": this reader knows major version " +
                                std::to_string(kSupportedVersionMajor) + " only",
                            ErrorLocation::at_offset(fields.version_major.offset));
    return header;
}

Header decode_header_fields(Layout layout, std::span<const std::byte> bytes) {
    if (bytes.size() < header_size(layout))
        throw CorruptHeader("header is truncated: " + std::to_string(bytes.size()) + " of " +
                                std::to_string(header_size(layout)) + " bytes",
                            ErrorLocation::at_offset(0));
    Header header;
    header.layout = layout;
    const auto& fields = detail::header_fields(layout);
    const std::byte* p = bytes.data();
    header.version_major = static_cast<std::uint8_t>(load_field(p, fields.version_major));
    header.version_minor = static_cast<std::uint8_t>(load_field(p, fields.version_minor));
    header.flags = static_cast<std::uint16_t>(load_field(p, fields.flags));
    header.chunk_table_offset = static_cast<std::uint32_t>(load_field(p, fields.chunk_table_offset));
    header.chunk_table_size = static_cast<std::uint32_t>(load_field(p, fields.chunk_table_size));
    header.chunk_count = static_cast<std::uint32_t>(load_field(p, fields.chunk_count));
    header.file_size = load_field(p, fields.file_size);
    header.reserved = load_field(p, fields.reserved);
    return header;
}

std::vector<std::byte> encode_header(const Header& header) {
    std::vector<std::byte> bytes(header_size(header.layout));
    std::byte* p = bytes.data();
    const std::string_view magic = layout_magic(header.layout);
    std::memcpy(p, magic.data(), magic.size());
    const auto& fields = detail::header_fields(header.layout);
    store_field(p, fields.version_major, header.version_major, "version_major");
    store_field(p, fields.version_minor, header.version_minor, "version_minor");
    store_field(p, fields.flags, header.flags, "flags");
    store_field(p, fields.chunk_table_offset, header.chunk_table_offset, "chunk_table_offset");
    store_field(p, fields.chunk_table_size, header.chunk_table_size, "chunk_table_size");
    store_field(p, fields.chunk_count, header.chunk_count, "chunk_count");
    store_field(p, fields.file_size, header.file_size, "file_size");
    store_field(p, fields.reserved, header.reserved, "reserved");
    return bytes;
}

RAIIAF_NAMESPACE_END
