// Reader behaviour beyond the vectors: laziness, legacy variants, limits, dtype conversion.
#include <gtest/gtest.h>

#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::chunks_of;
using testing::with_manifest;

TEST(Reader, OpeningReadsNoPayload) {
    // Every payload byte destroyed: opening and listing still work, loading fails.
    auto file = encode(testing::sample_content());
    const Reader intact = Reader::from_bytes(Bytes(file));
    for (const auto& record : intact.chunks())
        if (record.type != "ENVC")
            std::fill_n(file.begin() + static_cast<std::ptrdiff_t>(record.offset), record.compressed_size, std::byte{0xAA});
    const Reader reader = Reader::from_bytes(Bytes(file));
    EXPECT_EQ(reader.model_info().prompt, "a cat in neon goggles");
    ASSERT_EQ(reader.latents().size(), 1u);
    EXPECT_EQ(reader.latents()[0].shape, (Shape{1, 4, 8, 8}));
    EXPECT_EQ(reader.image_info()->format, "png");
    EXPECT_TRUE(reader.environment().has_value());
    EXPECT_THROW((void)reader.load_latent(0), LatentError);
    EXPECT_THROW((void)reader.load_image(), ImageError);
}

TEST(Reader, EarliestGen5VariantWithoutEnvOrNames) {
    // The gen5.main era wrote no ENVC chunk and no latent names.
    const auto original = testing::read_file_bytes(testing::vector_file("g3_f32_raw"));
    const auto legacy = with_manifest(original, [](Json& document) {
        Json& chunks = chunks_of(document);
        chunks.erase(chunks.size() - 1);  // the ENVC record
        for (auto& record : chunks)
            if (record["type"] == "LATN") record["extra"].erase("key");
        document["gen5_metadata"]["file_info"]["chunk_count"] = chunks.size();
    });
    auto patched = legacy;
    Header header = parse_header(patched);
    header.chunk_count = 3;
    const auto encoded = encode_header(header);
    std::copy(encoded.begin(), encoded.end(), patched.begin());
    const Reader reader = Reader::from_bytes(Bytes(patched));
    ASSERT_EQ(reader.latents().size(), 2u);
    EXPECT_EQ(reader.latents()[0].name, "latent_0");
    EXPECT_EQ(reader.latents()[1].name, "latent_1");
    EXPECT_FALSE(reader.environment().has_value());
    EXPECT_TRUE(reader.drift().empty());
    const auto expected = testing::read_file_bytes(testing::expected_dir("g3_f32_raw") / "final_latent.npy");
    const Tensor second = reader.load_latent("latent_1");
    EXPECT_TRUE(std::equal(second.bytes().begin(), second.bytes().end(), expected.end() - 4096));
}

TEST(Reader, DecompressedBytesAreBudgeted) {
    const auto file = encode(testing::sample_content(), {.codec = Codec::zstd});
    Limits limits;
    limits.max_decompressed_total = 1024;  // less than the 1 KiB latent plus its header
    const Reader reader = Reader::from_bytes(Bytes(file), {.limits = limits});
    EXPECT_THROW((void)reader.load_latent(0), LatentError);
}

TEST(Reader, UnknownLatentNameAndIndexAreInvalidArguments) {
    const Reader reader = Reader::from_bytes(Bytes(encode(testing::sample_content())));
    EXPECT_THROW((void)reader.load_latent("nope"), InvalidArgument);
    EXPECT_THROW((void)reader.load_latent(7), InvalidArgument);
    EXPECT_THROW((void)reader.load_payload(99), InvalidArgument);
}

TEST(Reader, OpenMissingFileIsIoError) {
    EXPECT_THROW((void)Reader::open("/nonexistent/file.raiiaf"), IoError);
    const CheckReport report = check_file("/nonexistent/file.raiiaf");
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_THROW(report.throw_if_failed(), IoError);
}

TEST(Tensor, WidensHalfAndBfloatExactly) {
    const std::vector<std::uint16_t> half{0x3C00, 0xC000, 0x0001, 0x7BFF, 0x7C00, 0x8000};
    std::vector<std::byte> bytes(half.size() * 2);
    std::memcpy(bytes.data(), half.data(), bytes.size());
    const Tensor f16(DType::float16, {half.size()}, Bytes(bytes));
    const Tensor f32 = convert_dtype(f16, DType::float32);
    const auto values = f32.as<float>();
    EXPECT_EQ(values[0], 1.0f);
    EXPECT_EQ(values[1], -2.0f);
    EXPECT_EQ(values[2], 5.9604644775390625e-8f);
    EXPECT_EQ(values[3], 65504.0f);
    EXPECT_TRUE(std::isinf(values[4]));
    EXPECT_TRUE(std::signbit(values[5]));
    EXPECT_TRUE(std::ranges::equal(convert_dtype(f32, DType::float16).bytes(), f16.bytes()));

    const std::vector<std::uint16_t> bf{0x3F80, 0xC049};
    std::vector<std::byte> bf_bytes(4);
    std::memcpy(bf_bytes.data(), bf.data(), 4);
    const auto widened = convert_dtype(Tensor(DType::bfloat16, {2}, Bytes(bf_bytes)), DType::float32);
    EXPECT_EQ(widened.as<float>()[0], 1.0f);
    EXPECT_EQ(widened.as<float>()[1], -3.140625f);
}

TEST(Tensor, RejectsMismatchedSizesAndIntegerConversion) {
    EXPECT_THROW(Tensor(DType::float32, {2, 2}, Bytes(std::vector<std::byte>(15))), InvalidArgument);
    EXPECT_THROW(Tensor(DType::float32, {1ull << 62, 8}, Bytes()), InvalidArgument);
    const Tensor ints(DType::int32, {1}, Bytes(std::vector<std::byte>(4)));
    EXPECT_THROW((void)convert_dtype(ints, DType::float16), InvalidArgument);
}

}  // namespace
}  // namespace raiiaf
