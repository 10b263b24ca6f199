// Damaged and hostile files: every one gets the right error class, never a
// crash, and check_bytes reports it without throwing.
#include <gtest/gtest.h>

#include <functional>

#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/json_text.hpp"
#include "format/sha256.hpp"
#include "raiiaf/raiiaf.hpp"
#include "expect_error.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using Bytes_ = std::vector<std::byte>;

Bytes_ sample_file(Layout layout = Layout::raiiaf, Codec codec = Codec::raw) {
    return encode(testing::sample_content(), {.layout = layout, .codec = codec});
}

// Opens and loads everything; the way a user touches a file.
void read_everything(const Bytes_& bytes) {
    const Reader reader = Reader::from_bytes(Bytes(bytes));
    for (std::size_t i = 0; i < reader.latents().size(); ++i) (void)reader.load_latent(i);
    if (reader.image_info()) (void)reader.load_image();
    (void)reader.environment();
}

using testing::chunks_of;
using testing::with_manifest;

template <class ErrorClass>
void expect_failure(const Bytes_& bytes, const std::string& context) {
    bool thrown = false;
    try {
        read_everything(bytes);
    } catch (const ErrorClass&) {
        thrown = true;
    } catch (const std::exception& e) {
        ADD_FAILURE() << context << ": wrong error class: " << e.what();
        return;
    }
    EXPECT_TRUE(thrown) << context << ": no error";
    const CheckReport report = check_bytes(bytes);
    EXPECT_FALSE(report.ok()) << context << ": check_bytes passed";
}

TEST(Corruption, TruncationAtEveryChunkBoundaryAndInside) {
    const Bytes_ file = sample_file();
    const Reader reader = Reader::from_bytes(Bytes(file));
    std::vector<std::size_t> cuts{0, 1, 5, 20, 32};
    for (const auto& record : reader.chunks()) {
        cuts.push_back(record.offset);
        cuts.push_back(record.offset + record.compressed_size / 2);
    }
    cuts.push_back(reader.header().chunk_table_offset);
    cuts.push_back(file.size() - 1);
    for (std::size_t cut : cuts) {
        const Bytes_ truncated(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(cut));
        expect_failure<DecodeError>(truncated, "truncated at " + std::to_string(cut));
        if (cut >= 33) expect_failure<CorruptHeader>(truncated, "truncated at " + std::to_string(cut));
    }
}

TEST(Corruption, FlippedByteInEachRegionGetsItsClass) {
    for (Layout layout : {Layout::raiiaf, Layout::gen5}) {
        const Bytes_ file = sample_file(layout);
        const Reader reader = Reader::from_bytes(Bytes(file));
        auto flipped = [&](std::size_t at) {
            Bytes_ copy = file;
            copy[at] ^= std::byte{0x40};
            return copy;
        };
        expect_failure<CorruptHeader>(flipped(0), "magic");
        expect_failure<CorruptHeader>(flipped(layout == Layout::raiiaf ? 22 : 21), "header file_size");
        for (const auto& record : reader.chunks()) {
            const std::string where = std::string(layout_name(layout)) + " " + record.type;
            const std::size_t envelope = record.offset + 2;                    // inside the chunk header (or frame)
            const std::size_t payload = record.offset + record.compressed_size - 20;  // near the chunk's end
            if (record.type == "LATN") {
                expect_failure<LatentError>(flipped(envelope), where + " envelope");
                expect_failure<LatentError>(flipped(payload), where + " payload");
            } else if (record.type == "DATA") {
                expect_failure<ImageError>(flipped(envelope), where + " envelope");
                expect_failure<ImageError>(flipped(payload), where + " payload");
            } else if (record.type == "ENVC") {
                expect_failure<EnvChunkError>(flipped(envelope), where + " envelope");
                expect_failure<EnvChunkError>(flipped(payload), where + " payload");
            }
        }
        const std::size_t manifest = reader.header().chunk_table_offset + reader.header().chunk_table_size / 2;
        expect_failure<MetadataError>(flipped(manifest), "manifest");
    }
}

TEST(Corruption, BadMagicAndVersion) {
    Bytes_ file = sample_file();
    std::memcpy(file.data(), "RAIIAF", 6);
    expect_failure<CorruptHeader>(file, "magic");
    file = sample_file();
    file[6] = std::byte{0};
    expect_failure<CorruptHeader>(file, "version_major 0");
    expect_failure<CorruptHeader>(Bytes_{}, "empty file");
}

TEST(Corruption, LyingSizeFields) {
    const Bytes_ file = sample_file();
    expect_failure<MetadataError>(with_manifest(file, [](Json& d) { chunks_of(d)[0]["compressed_size"] = 1u << 30; }),
                                  "compressed_size past the end");
    expect_failure<LatentError>(with_manifest(file, [](Json& d) {
                                    chunks_of(d)[0]["extra"]["shape"] = Json::array({1, 4, 8, 4});
                                    chunks_of(d)[0]["uncompressed_size"] = 512;
                                    chunks_of(d)[0]["compressed_size"] = 524;
                                }),
                                "uncompressed_size disagreeing with the envelope");
    expect_failure<MetadataError>(with_manifest(file, [](Json& d) { chunks_of(d)[0]["uncompressed_size"] = 100; }),
                                  "uncompressed_size disagreeing with the shape");
    expect_failure<CorruptHeader>(with_manifest(file, [](Json& d) { chunks_of(d).erase(chunks_of(d).size() - 1); }),
                                  "chunk_count disagreeing with the manifest");
    expect_failure<MetadataError>(with_manifest(file, [](Json& d) { chunks_of(d)[0]["offset"] = -5; }),
                                  "negative offset");
    expect_failure<MetadataError>(with_manifest(file, [](Json& d) { chunks_of(d)[0].erase("hash"); }),
                                  "missing hash");
    expect_failure<MetadataError>(with_manifest(file, [](Json& d) { chunks_of(d)[0]["extra"]["shape"] = Json::array({1, 1, 1, 1, 1, 1, 1, 1, 1}); }),
                                  "rank over the limit");
}

TEST(Corruption, OverlappingOffsets) {
    const Bytes_ file = sample_file();
    expect_failure<MetadataError>(with_manifest(file, [](Json& d) { chunks_of(d)[1]["offset"] = chunks_of(d)[0]["offset"]; }),
                                  "chunks overlap");
    expect_failure<MetadataError>(with_manifest(file, [](Json& d) { chunks_of(d)[0]["offset"] = 0; }),
                                  "chunk overlaps the header");
}

TEST(Corruption, HashMismatchIsTheChunksClass) {
    const Bytes_ file = sample_file();
    const std::string zeros(64, '0');
    // Without a fast digest (files of the existing package) every load checks the SHA-256.
    const auto wrong_sha256 = [&](std::size_t chunk) {
        return with_manifest(file, [&](Json& d) {
            chunks_of(d)[chunk]["hash"] = zeros;
            chunks_of(d)[chunk]["extra"].erase(std::string(kFastDigestKey));
        });
    };
    expect_failure<LatentError>(wrong_sha256(0), "latent hash");
    expect_failure<ImageError>(wrong_sha256(1), "image hash");
    // With one, verification and full reads check it.
    const auto beside_fast = with_manifest(file, [&](Json& d) { chunks_of(d)[0]["hash"] = zeros; });
    EXPECT_FALSE(check_bytes(beside_fast).ok());
    EXPECT_THROW((void)Reader::from_bytes(Bytes(beside_fast), {.verify_sha256 = true}).load_latent(0), LatentError);
    // With hash checking off the same file reads.
    const auto bad = wrong_sha256(0);
    const Reader reader = Reader::from_bytes(Bytes(bad), {.verify_hashes = false});
    EXPECT_NO_THROW((void)reader.load_latent(0));
}

TEST(Corruption, ZstdFrameClaimingATerabyte) {
    // A frame header that declares 1 TB of content, padded with a raw block.
    Bytes_ bomb{std::byte{0x28}, std::byte{0xB5}, std::byte{0x2F}, std::byte{0xFD}, std::byte{0xC0}};
    const std::uint64_t terabyte = 1ull << 40;
    for (int i = 0; i < 8; ++i) bomb.push_back(std::byte((terabyte >> (8 * i)) & 0xFF));
    bomb.insert(bomb.end(), {std::byte{0x01}, std::byte{0x00}, std::byte{0x00}});  // last raw block, 0 bytes
    // As the image chunk, whose record stays small: the frame's claim is refused.
    Bytes_ file = sample_file(Layout::gen5, Codec::zstd);
    const Reader reader = Reader::from_bytes(Bytes(file));
    const ChunkRecord image = reader.chunks()[1];
    std::copy(bomb.begin(), bomb.end(), file.begin() + static_cast<std::ptrdiff_t>(image.offset));
    expect_failure<DecodeError>(with_manifest(file, [&](Json& d) {
                                    chunks_of(d)[1]["compressed"] = true;
                                    chunks_of(d)[1]["compressed_size"] = bomb.size();
                                }),
                                "image frame claiming 1 TB");
    // As the record too: refused by the chunk size limit before any allocation.
    expect_failure<MetadataError>(with_manifest(file, [&](Json& d) {
                                      chunks_of(d)[1]["compressed"] = true;
                                      chunks_of(d)[1]["compressed_size"] = bomb.size();
                                      chunks_of(d)[1]["uncompressed_size"] = terabyte;
                                  }),
                                  "record claiming 1 TB");
}

TEST(Corruption, ManifestBombAndDeepJson) {
    const Bytes_ file = sample_file();
    // A manifest whose JSON is nested 100000 levels deep.
    expect_failure<MetadataError>(with_manifest(file, [](Json&) {}, [](std::string& text) {
                                      text = std::string(100000, '[') + std::string(100000, ']');
                                  }),
                                  "deep JSON");
    // A manifest larger than the limit, made of highly compressible padding.
    Limits small;
    small.max_manifest_size = 4096;
    const auto padded = with_manifest(file, [](Json& d) { d.begin().value()["model_info"]["prompt"] = std::string(100000, 'a'); });
    EXPECT_THROW((void)Reader::from_bytes(Bytes(padded), {.limits = small}), MetadataError);
    EXPECT_NO_THROW((void)Reader::from_bytes(Bytes(padded)));
}

TEST(Corruption, ManifestKeyAndValueCountLimits) {
    const Bytes_ file = sample_file();
    const auto many_settings = with_manifest(file, [](Json& d) {
        Json settings = Json::object();
        for (int i = 0; i < 50; ++i) settings["k" + std::to_string(i)] = i;
        d.begin().value()["model_info"]["generation_settings"] = settings;
    });
    EXPECT_NO_THROW((void)Reader::from_bytes(Bytes(many_settings)));
    const auto message_with = [&](const Limits& limits) {
        return testing::thrown_message<MetadataError>([&] { (void)Reader::from_bytes(Bytes(many_settings), {.limits = limits}); });
    };
    Limits few_keys;
    few_keys.max_json_object_members = 40;
    EXPECT_MESSAGE_HAS(message_with(few_keys), "more than 40 keys");
    Limits few_values;
    few_values.max_json_values = 60;
    EXPECT_MESSAGE_HAS(message_with(few_values), "more than 60 values");
}

TEST(Corruption, ChunkCountLimit) {
    Limits limits;
    limits.max_chunk_count = 2;
    EXPECT_THROW((void)Reader::from_bytes(Bytes(sample_file()), {.limits = limits}), MetadataError);
}

TEST(Corruption, ErrorsSayWhereTheyAre) {
    Bytes_ file = sample_file();
    const Reader reader = Reader::from_bytes(Bytes(file));
    const ChunkRecord image = reader.chunks()[1];
    file[image.offset + image.compressed_size - 5] ^= std::byte{1};
    try {
        read_everything(file);
        FAIL();
    } catch (const ImageError& e) {
        EXPECT_EQ(e.where().chunk_index, 1u);
        EXPECT_EQ(e.where().chunk_type, "DATA");
        EXPECT_EQ(e.where().offset, image.offset);
        EXPECT_NE(std::string(e.what()).find("chunk 1 (DATA) at offset " + std::to_string(image.offset)), std::string::npos)
            << e.what();
    }
}

TEST(UnknownChunks, AreListedReadableAndKept) {
    ArtifactContent content = testing::sample_content();
    const std::string payload = "future data";
    const auto envelope = detail::encode_chunk_header("XTRA", "v2", static_cast<std::uint32_t>(payload.size()));
    Bytes_ stored(envelope.begin(), envelope.end());
    for (char c : payload) stored.push_back(std::byte(c));
    ChunkRecord record;
    record.type = "XTRA";
    record.flags = "v2";
    record.compressed_size = stored.size();
    record.uncompressed_size = payload.size();
    record.hash = detail::sha256_hex(std::string_view(payload));
    record.extra = Json{{"meaning", 42}};
    content.stored_chunks.push_back({record, Bytes(stored)});
    const auto bytes = encode(content);
    const Reader reader = Reader::from_bytes(Bytes(bytes));
    const auto& chunks = reader.chunks();
    const auto it = std::find_if(chunks.begin(), chunks.end(), [](const ChunkRecord& r) { return r.type == "XTRA"; });
    ASSERT_NE(it, chunks.end());
    EXPECT_EQ(reader.load_payload(it->index).as_string_view(), payload);
    EXPECT_TRUE(check_bytes(bytes).ok());

    // A rewrite (every chunk copied as stored) keeps it.
    ArtifactContent rewrite;
    rewrite.model = reader.model_info();
    for (std::size_t i = 0; i < chunks.size(); ++i) rewrite.stored_chunks.push_back({chunks[i], reader.stored_bytes(i)});
    const Reader again = Reader::from_bytes(Bytes(encode(rewrite)));
    EXPECT_EQ(again.load_payload(it->index).as_string_view(), payload);
    EXPECT_EQ(again.chunks()[it->index].extra["meaning"], 42);
}

}  // namespace
}  // namespace raiiaf
