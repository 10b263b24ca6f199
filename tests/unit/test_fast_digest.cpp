// The fast digest (extra.xxh3_128, docs/FORMAT.md sections 4.1 and 5): our
// writer records it for every chunk; every load checks it instead of SHA-256;
// whole-file verification checks both, so what the fast digest cannot see (a
// deliberate change with a recomputed fast digest) still fails verify.
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include <xxhash.h>

#include "codecs/zstd_codec.hpp"
#include "format/fast_digest.hpp"
#include "format/sha256.hpp"  // to_hex
#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

ArtifactContent one_raw_latent() {
    ArtifactContent content = testing::sample_content();
    content.latents.clear();
    content.latents.push_back({"noise", testing::random_tensor(DType::float32, {1, 4, 8, 8}, 7), Codec::raw});
    return content;
}

TEST(FastDigest, WriterRecordsItForEveryChunkOverTheStoredBytes) {
    for (const Layout layout : {Layout::raiiaf, Layout::gen5}) {
        const std::vector<std::byte> file = encode(one_raw_latent(), {.layout = layout});
        const Reader reader = Reader::from_bytes(Bytes::copy_of(file));
        ASSERT_FALSE(reader.chunks().empty());
        for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
            const ChunkRecord& record = reader.chunks()[i];
            ASSERT_TRUE(record.extra.contains(std::string(kFastDigestKey))) << "chunk " << i;
            EXPECT_EQ(record.extra[std::string(kFastDigestKey)].get<std::string>(),
                      detail::fast_digest_hex(reader.stored_bytes(i).span()));
        }
    }
}

TEST(FastDigest, KnownValueOfTheCanonicalDigest) {
    // XXH3-128 of the empty input, seed 0 (xxHash's own test vector).
    EXPECT_EQ(detail::fast_digest_hex({}), "99aa06d3014798d86001c324468d497f");
}

// The one-shot digest and the streaming one the writer uses (both compiled
// for AVX2 where the CPU has it) agree with libxxhash's own (SSE2) XXH3-128 at
// every length where XXH3 changes its code path, whatever the split into
// updates.
TEST(FastDigest, OneShotAndStreamingDigestsAgree) {
    std::vector<std::byte> data(3'000'017);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
    for (const std::size_t size : {0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1023, 1024, 1025, 65'536, 3'000'017}) {
        const auto bytes = std::span<const std::byte>(data).first(size);
        raiiaf::detail::FastDigest streaming;
        for (std::size_t done = 0; done < size; done += 1000)
            streaming.update(bytes.subspan(done, std::min<std::size_t>(1000, size - done)));
        const std::string streamed = streaming.finish_hex();
        EXPECT_EQ(raiiaf::detail::fast_digest_hex(bytes), streamed) << size << " bytes";
        XXH128_canonical_t canonical;
        XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
        EXPECT_EQ(raiiaf::detail::to_hex(std::span<const unsigned char>(canonical.digest, sizeof canonical.digest)),
                  streamed)
            << size << " bytes";
    }
}

TEST(FastDigest, EveryFlipInAChunkFailsAPlainLoad) {
    std::vector<std::byte> file = encode(one_raw_latent());
    const Reader clean = Reader::from_bytes(Bytes::copy_of(file));
    const std::size_t index = clean.latents().front().chunk_index;
    const ChunkRecord record = clean.chunks()[index];
    for (std::uint64_t offset = record.offset; offset < record.offset + record.compressed_size; offset += 7) {
        file[offset] ^= std::byte{0x10};
        const Reader reader = Reader::from_bytes(Bytes::copy_of(file));
        EXPECT_THROW((void)reader.load_latent(0), ChunkError) << "offset " << offset;
        file[offset] ^= std::byte{0x10};
    }
}

// Tampering: the payload changed and its fast digest recomputed (the writer
// recomputes it when it copies a stored chunk verbatim), the SHA-256 left as
// it was. Loading trusts the fast digest; verification still fails.
TEST(FastDigest, ATamperedChunkWithAMatchingFastDigestFailsVerify) {
    const std::vector<std::byte> original = encode(one_raw_latent());
    const Reader reader = Reader::from_bytes(Bytes::copy_of(original));
    ArtifactContent content;
    content.model = reader.model_info();
    for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
        std::vector<std::byte> stored(reader.stored_bytes(i).span().begin(), reader.stored_bytes(i).span().end());
        if (reader.chunks()[i].type == kLatentType) stored.back() ^= std::byte{1};
        content.stored_chunks.push_back({reader.chunks()[i], Bytes(std::move(stored))});
    }
    const std::vector<std::byte> tampered = encode(content);

    const Reader fast = Reader::from_bytes(Bytes::copy_of(tampered));
    EXPECT_NO_THROW((void)fast.load_latent(0));
    EXPECT_FALSE(fast.verify().ok());
    EXPECT_FALSE(check_bytes(tampered).ok());
    const Reader full = Reader::from_bytes(Bytes::copy_of(tampered), {.verify_sha256 = true});
    EXPECT_THROW((void)full.load_latent(0), ChunkError);
}

TEST(FastDigest, FilesWithoutItAreCheckedBySha256OnLoad) {
    // Files of the existing package have no fast digest.
    const Reader reader = Reader::open(testing::vector_file("r1_f32_raw"));
    ASSERT_FALSE(reader.chunks().front().extra.contains(std::string(kFastDigestKey)));
    std::vector<std::byte> file = testing::read_file_bytes(testing::vector_file("r1_f32_raw"));
    const std::size_t index = reader.latents().front().chunk_index;
    file[reader.chunks()[index].offset + reader.chunks()[index].compressed_size - 1] ^= std::byte{1};
    const Reader damaged = Reader::from_bytes(Bytes::copy_of(file));
    EXPECT_THROW((void)damaged.load_latent(0), ChunkError);
}

TEST(FastDigest, AMalformedValueIsAMetadataError) {
    std::vector<std::byte> file = encode(one_raw_latent());
    const Reader clean = Reader::from_bytes(Bytes::copy_of(file));
    const Header& header = clean.header();
    const auto table = std::span<const std::byte>(file).subspan(header.chunk_table_offset, header.chunk_table_size);
    std::vector<std::byte> manifest = detail::zstd_decompress_bounded(table, 1u << 20);
    // One hex digit of the first fast digest becomes 'G'; the frame is rebuilt
    // (same size: stored blocks) so that only the digest's form is wrong.
    const std::string digest = clean.chunks().front().extra[std::string(kFastDigestKey)].get<std::string>();
    const std::string_view text(reinterpret_cast<const char*>(manifest.data()), manifest.size());
    const std::size_t at = text.find(digest);
    ASSERT_NE(at, std::string_view::npos);
    manifest[at] = std::byte{'G'};
    const std::vector<std::byte> frame = detail::zstd_store({std::span<const std::byte>(manifest)});
    ASSERT_EQ(frame.size(), table.size());
    std::copy(frame.begin(), frame.end(), file.begin() + header.chunk_table_offset);
    try {
        (void)Reader::from_bytes(Bytes::copy_of(file));
        FAIL() << "a malformed fast digest was accepted";
    } catch (const MetadataError& e) {
        EXPECT_NE(std::string(e.what()).find("xxh3_128"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace raiiaf
