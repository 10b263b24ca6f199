// Bit rot: every single-bit flip in every chunk (envelope and payload) and in
// the manifest of files in both layouts, one latent per codec (the
// shuffle-zstd one compressible, so that it is stored compressed), makes
// check_bytes (what `raiiaf verify` runs) report the file as damaged, and
// never throws or crashes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

struct Region {
    std::string name;
    std::uint64_t begin;
    std::uint64_t end;
};

std::vector<std::byte> file_with_every_codec(Layout layout) {
    ArtifactContent content = testing::sample_content();
    content.latents.clear();
    unsigned seed = 1;
    for (const Codec codec : {Codec::raw, Codec::zstd, Codec::zfp, Codec::shuffle_zstd}) {
        if (codec == Codec::zfp && layout == Layout::gen5) continue;  // GEN5 has no zfp
        const std::string name = "noise_" + std::string(codec_name(codec));
        Tensor tensor = codec == Codec::shuffle_zstd ? Tensor(DType::float32, {1, 2, 4, 4}, Bytes(std::vector<std::byte>(128)))
                                                      : testing::random_tensor(DType::float32, {1, 2, 4, 4}, seed++);
        content.latents.push_back({name, std::move(tensor), codec});
    }
    return encode(content, {.layout = layout});
}

std::vector<Region> protected_regions(std::span<const std::byte> file) {
    const Reader reader = Reader::from_bytes(Bytes::copy_of(file));
    std::vector<Region> regions;
    const Header& header = reader.header();
    regions.push_back({"manifest", header.chunk_table_offset,
                       std::uint64_t{header.chunk_table_offset} + header.chunk_table_size});
    for (const ChunkRecord& record : reader.chunks())
        regions.push_back({"chunk " + std::to_string(record.index) + " (" + record.type + ")", record.offset,
                           record.offset + record.compressed_size});
    return regions;
}

class Integrity : public ::testing::TestWithParam<Layout> {};

TEST_P(Integrity, EverySingleBitFlipFailsVerification) {
    std::vector<std::byte> file = file_with_every_codec(GetParam());
    ASSERT_TRUE(check_bytes(file).ok());
    std::size_t flips = 0;
    for (const Region& region : protected_regions(file)) {
        std::vector<std::string> undetected;
        for (std::uint64_t offset = region.begin; offset < region.end; ++offset) {
            for (int bit = 0; bit < 8; ++bit) {
                file[offset] ^= std::byte(1u << bit);
                try {
                    if (check_bytes(file).ok() && undetected.size() < 5)
                        undetected.push_back(std::to_string(offset) + ":" + std::to_string(bit));
                } catch (const std::exception& e) {
                    ADD_FAILURE() << region.name << " offset " << offset << " bit " << bit << " threw " << e.what();
                }
                file[offset] ^= std::byte(1u << bit);
                ++flips;
            }
        }
        EXPECT_TRUE(undetected.empty()) << region.name << ": flips not detected at (offset:bit) "
                                        << ::testing::PrintToString(undetected);
    }
    EXPECT_GT(flips, 8u * 1000);
}

INSTANTIATE_TEST_SUITE_P(BothLayouts, Integrity, ::testing::Values(Layout::raiiaf, Layout::gen5),
                         [](const auto& info) { return std::string(layout_name(info.param)); });

}  // namespace
}  // namespace raiiaf
