// Libraries loaded on first use (src/io/shared_library.hpp) and the exiv2
// plugin (src/image/exiv2_loader.hpp): a library that cannot be loaded, or
// lacks a symbol, leaves a message naming it; the tables the codecs and the
// EXIF/XMP code use are filled from the real libraries.
#include <gtest/gtest.h>
#include <libdeflate.h>

#include <cstring>
#include <map>
#include <string>

#include "codecs/zfp_codec.hpp"
#include "format/crc32.hpp"
#include "format/spng_library.hpp"
#include "image/container.hpp"
#include "image/exiv2_loader.hpp"
#include "image/metadata_writer.hpp"
#include "io/shared_library.hpp"
#include "raiiaf/errors.hpp"

namespace raiiaf {
namespace {

using detail::SharedLibrary;

TEST(SharedLibrary, MissingLibraryNamesItAndWhy) {
    SharedLibrary library("libraiiaf-no-such-library.so.7", "the test library (Debian package none)");
    EXPECT_FALSE(library.loaded());
    EXPECT_NE(library.error().find("the test library (Debian package none) cannot be loaded"), std::string::npos)
        << library.error();
    EXPECT_NE(library.error().find("libraiiaf-no-such-library.so.7"), std::string::npos) << library.error();
    int (*function)(int) = reinterpret_cast<int (*)(int)>(1);
    library.bind(function, "abs");
    EXPECT_EQ(function, nullptr);  // nothing is bound from a library that is not loaded
}

TEST(SharedLibrary, BindsSymbolsAndNamesAMissingOne) {
    SharedLibrary library("libc.so.6", "the C library");
    ASSERT_TRUE(library.loaded()) << library.error();
    decltype(&std::strlen) length = nullptr;
    library.bind(length, "strlen");
    ASSERT_NE(length, nullptr);
    EXPECT_EQ(length("seven!!"), 7u);
    EXPECT_TRUE(library.loaded());
    void (*missing)() = nullptr;
    library.bind(missing, "raiiaf_no_such_symbol");
    EXPECT_EQ(missing, nullptr);
    EXPECT_FALSE(library.loaded());
    EXPECT_EQ(library.error(), "the C library lacks the symbol raiiaf_no_such_symbol");
}

TEST(LazyLibraries, ZfpAndSpngTablesAreFilled) {
    const auto zfp_version = detail::loaded_zfp_version();
    ASSERT_TRUE(zfp_version.has_value());
    EXPECT_GE(*zfp_version, 0x0500u);  // zfp 0.5 or later
    const detail::Spng& spng = detail::loaded_spng();
    ASSERT_EQ(spng.error, "");
    EXPECT_NE(std::string(spng.spng_version_string()).find('.'), std::string::npos);
}

// PNG's CRC-32 through ISA-L (installed with the build's dependencies), the
// same function as libdeflate's (the fallback) at every length and alignment its vector
// code paths split on, and the check value of the standard.
TEST(LazyLibraries, Crc32ThroughIsaLMatchesLibdeflate) {
    EXPECT_TRUE(detail::crc32_uses_isal());
    const std::string check = "123456789";
    EXPECT_EQ(detail::crc32(std::as_bytes(std::span(check.data(), check.size()))), 0xCBF43926u);
    std::vector<std::byte> data(3 << 20);
    std::uint32_t state = 12345;
    for (auto& b : data) b = std::byte((state = state * 1103515245u + 12345u) >> 24);
    for (std::size_t offset : {0u, 1u, 7u, 63u})
        for (std::size_t size = 0; size < 1100; ++size) {
            const auto part = std::span<const std::byte>(data).subspan(offset, size);
            ASSERT_EQ(detail::crc32(part), libdeflate_crc32(0, part.data(), part.size()))
                << "offset " << offset << " size " << size;
        }
    for (std::size_t size : {4095u, 65536u, 1000003u, 3u << 20})
        EXPECT_EQ(detail::crc32(std::span(data).first(size)), libdeflate_crc32(0, data.data(), size)) << size;
}

TEST(Exiv2Plugin, FoundBesideTheBuildAndOfThisInterface) {
    const detail::Exiv2Plugin& plugin = detail::loaded_exiv2_plugin();
    ASSERT_NE(plugin.table, nullptr) << plugin.error;
    EXPECT_EQ(plugin.table->abi_version, RAIIAF_EXIV2_PLUGIN_ABI);
    EXPECT_EQ(std::string(plugin.table->exiv2_version).substr(0, 2), "0.");
}

TEST(Exiv2Plugin, CandidatesStartBesideThisModule) {
    const auto candidates = detail::exiv2_plugin_candidates();
    ASSERT_GE(candidates.size(), 3u);
    for (const auto& candidate : candidates)
        EXPECT_EQ(candidate.substr(candidate.size() - std::strlen(detail::kExiv2PluginFile)), detail::kExiv2PluginFile);
}

// Through the plugin: EXIF written with a UserComment, Make and Model, read
// back through the same plugin; XMP with the IPTC properties.
TEST(Exiv2Plugin, ExifAndXmpRoundTripThroughThePlugin) {
    detail::ExifFields fields;
    fields.user_comment = "a cat, neon goggles \xE2\x9C\xA8";
    fields.make = "workflow:{}";
    fields.model = "prompt:{}";
    const auto tiff = detail::encode_exif(fields);
    ASSERT_GE(tiff.size(), 8u);
    EXPECT_EQ(std::memcmp(tiff.data(), "MM", 2), 0);  // a fresh block is big-endian
    const auto texts = detail::image::read_exif_texts(tiff, Limits{});
    std::map<std::string, std::string> by_name;
    for (const auto& text : texts) by_name[text.key] = text.text;
    EXPECT_EQ(by_name["UserComment"], *fields.user_comment);
    EXPECT_EQ(by_name["Make"], *fields.make);
    EXPECT_EQ(by_name["Model"], *fields.model);

    const std::string xmp = detail::encode_xmp({"raiiaf", "1.2", "a cat", "raiiaf export"});
    EXPECT_NE(xmp.find(detail::kTrainedAlgorithmicMedia), std::string::npos);
    EXPECT_NE(xmp.find("a cat"), std::string::npos);
    EXPECT_NE(xmp.find("<?xpacket"), std::string::npos);
}

TEST(Exiv2Plugin, UnreadableExifIsAnImageError) {
    const std::byte junk[16] = {};
    EXPECT_THROW(detail::image::read_exif_texts(junk, Limits{}), ImageError);
}

}  // namespace
}  // namespace raiiaf
