// EXIF through exiv2: the TIFF structure is exiv2's to parse, the text
// encodings of the tags that carry generation metadata are ours.
#include <exiv2/exiv2.hpp>

#include <mutex>

#include "image/container.hpp"
#include "raiiaf/errors.hpp"

namespace raiiaf::detail::image {

namespace {

// The tags generators and save nodes write text into.
struct TextTag {
    std::uint16_t tag;
    const char* group;  // exiv2's group: "Image" is IFD0, "Photo" the Exif IFD
    const char* name;
};
constexpr TextTag kTextTags[] = {
    {0x010E, "Image", "ImageDescription"}, {0x010F, "Image", "Make"},     {0x0110, "Image", "Model"},
    {0x0131, "Image", "Software"},         {0x013B, "Image", "Artist"},   {0x8298, "Image", "Copyright"},
    {0x9C9C, "Image", "XPComment"},        {0x9286, "Photo", "UserComment"},
};

void silence_exiv2_log() {
    static std::once_flag once;
    std::call_once(once, [] { Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute); });
}

std::string trim_nuls(std::string text) {
    while (!text.empty() && text.back() == '\0') text.pop_back();
    return text;
}

}  // namespace

std::vector<MetadataText> read_exif_texts(std::span<const std::byte> exif, const Limits& limits) {
    silence_exiv2_log();
    constexpr std::string_view kPrefix{"Exif\0\0", 6};
    if (exif.size() >= kPrefix.size() && std::memcmp(exif.data(), kPrefix.data(), kPrefix.size()) == 0)
        exif = exif.subspan(kPrefix.size());
    if (exif.size() > UINT32_MAX) throw ImageError("EXIF block is over 4 GiB");

    Exiv2::ExifData data;
    Exiv2::ByteOrder order = Exiv2::invalidByteOrder;
    try {
        order = Exiv2::ExifParser::decode(data, reinterpret_cast<const Exiv2::byte*>(exif.data()),
                                          static_cast<std::uint32_t>(exif.size()));
    } catch (const std::exception& error) {
        throw ImageError(std::string("EXIF block cannot be read: ") + error.what());
    }
    if (order == Exiv2::invalidByteOrder) throw ImageError("EXIF block has no valid TIFF header");

    std::vector<MetadataText> texts;
    for (const auto& datum : data) {
        const auto* wanted = std::find_if(std::begin(kTextTags), std::end(kTextTags), [&](const TextTag& t) {
            return t.tag == datum.tag() && datum.groupName() == t.group;
        });
        if (wanted == std::end(kTextTags)) continue;
        const long size = datum.size();
        if (size <= 0) continue;
        if (static_cast<std::uint64_t>(size) > limits.max_metadata_text_size)
            throw ImageError("EXIF " + std::string(wanted->name) + " of " + std::to_string(size) +
                             " bytes is over the limit of " + std::to_string(limits.max_metadata_text_size));
        std::vector<std::byte> raw(static_cast<std::size_t>(size));
        datum.copy(reinterpret_cast<Exiv2::byte*>(raw.data()), order);
        std::string text;
        if (wanted->tag == 0x9286) {
            text = decode_user_comment(raw, order == Exiv2::bigEndian);
        } else if (wanted->tag == 0x9C9C) {
            // Windows' XP tags are UTF-16LE whatever the block's byte order: a
            // UserComment body with a fixed byte order.
            std::vector<std::byte> as_comment(8);
            std::memcpy(as_comment.data(), "UNICODE\0", 8);
            as_comment.insert(as_comment.end(), std::make_move_iterator(raw.begin()), std::make_move_iterator(raw.end()));
            if (as_comment.size() >= 10 && as_comment[8] != std::byte{0xFF} && as_comment[8] != std::byte{0xFE}) {
                const std::byte bom[] = {std::byte{0xFF}, std::byte{0xFE}};
                as_comment.insert(as_comment.begin() + 8, std::begin(bom), std::end(bom));
            }
            text = decode_user_comment(as_comment, false);
        } else {
            const std::string_view bytes(reinterpret_cast<const char*>(raw.data()), raw.size());
            text = trim_nuls(is_valid_utf8(bytes) ? std::string(bytes) : latin1_to_utf8(bytes));
        }
        texts.push_back({"exif:" + std::string(wanted->name), wanted->name, std::move(text)});
    }
    return texts;
}

}  // namespace raiiaf::detail::image
