// EXIF through exiv2 (in its plugin, image/exiv2_loader.hpp): the TIFF
// structure is exiv2's to parse, the text encodings of the tags that carry
// generation metadata are ours.
#include <algorithm>
#include <cstring>
#include <new>

#include "image/container.hpp"
#include "image/exiv2_loader.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN
namespace image {

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

// A wanted tag's value as exiv2 copied it out.
struct RawText {
    const TextTag* tag;
    std::vector<std::byte> value;
};

// What the plugin's callback collects; it must not throw into the plugin, so
// the first problem is kept and thrown once the plugin has returned.
struct ExifCollector {
    const Limits& limits;
    std::vector<RawText> values;
    std::optional<ImageError> problem;
    bool out_of_memory = false;  // thrown as std::bad_alloc, as a failed allocation was before

    static void* buffer_for(void* context, std::uint16_t tag, const char* group, std::size_t size) noexcept {
        auto& self = *static_cast<ExifCollector*>(context);
        if (self.problem || self.out_of_memory) return nullptr;
        const auto* wanted = std::find_if(std::begin(kTextTags), std::end(kTextTags), [&](const TextTag& t) {
            return t.tag == tag && std::strcmp(group, t.group) == 0;
        });
        if (wanted == std::end(kTextTags)) return nullptr;
        try {
            if (static_cast<std::uint64_t>(size) > self.limits.max_metadata_text_size) {
                self.problem.emplace("EXIF " + std::string(wanted->name) + " of " + std::to_string(size) +
                                     " bytes is over the limit of " + std::to_string(self.limits.max_metadata_text_size));
                return nullptr;
            }
            self.values.push_back({wanted, std::vector<std::byte>(size)});
        } catch (const std::bad_alloc&) {
            self.out_of_memory = true;
            return nullptr;
        }
        return self.values.back().value.data();
    }
};

std::string trim_nuls(std::string text) {
    while (!text.empty() && text.back() == '\0') text.pop_back();
    return text;
}

}  // namespace

std::vector<MetadataText> read_exif_texts(std::span<const std::byte> exif, const Limits& limits) {
    constexpr std::string_view kPrefix{"Exif\0\0", 6};
    if (exif.size() >= kPrefix.size() && std::memcmp(exif.data(), kPrefix.data(), kPrefix.size()) == 0)
        exif = exif.subspan(kPrefix.size());
    if (exif.size() > UINT32_MAX) throw ImageError("EXIF block is over 4 GiB");

    const Exiv2Plugin& exiv2 = loaded_exiv2_plugin();
    if (!exiv2.table) throw ImageError(exiv2.error);
    ExifCollector collector{limits, {}, {}, false};
    int big_endian = 0;
    char message[512] = "";
    const int result = exiv2.table->read_exif(reinterpret_cast<const unsigned char*>(exif.data()),
                                              static_cast<std::uint32_t>(exif.size()), &big_endian,
                                              &ExifCollector::buffer_for, &collector, message, sizeof message);
    if (result == RAIIAF_EXIV2_NO_TIFF_HEADER) throw ImageError("EXIF block has no valid TIFF header");
    if (result != RAIIAF_EXIV2_OK) throw ImageError(std::string("EXIF block cannot be read: ") + message);
    if (collector.out_of_memory) throw std::bad_alloc();
    if (collector.problem) throw *collector.problem;

    std::vector<MetadataText> texts;
    for (auto& [wanted, raw] : collector.values) {
        std::string text;
        if (wanted->tag == 0x9286) {
            text = decode_user_comment(raw, big_endian != 0);
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

}  // namespace image
RAIIAF_DETAIL_NAMESPACE_END
