// Writing and reading back: every codec x dtype x layout, ranks 0..8,
// determinism, and the structure the existing package's reader expects.
#include <gtest/gtest.h>

#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::random_tensor;
using testing::sample_content;

constexpr std::array<DType, 10> kAllDTypes{DType::float16, DType::bfloat16, DType::float32, DType::float64,
                                           DType::int8,    DType::int16,    DType::int32,   DType::int64,
                                           DType::uint8,   DType::boolean};

bool zfp_supports(DType dtype) {
    return dtype == DType::float16 || dtype == DType::float32 || dtype == DType::float64;
}

struct Case {
    Layout layout;
    Codec codec;
    DType dtype;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    std::string codec(codec_name(info.param.codec));
    std::replace(codec.begin(), codec.end(), '-', '_');
    return std::string(layout_name(info.param.layout)) + "_" + codec + "_" +
           std::string(dtype_name(info.param.dtype));
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (Layout layout : {Layout::raiiaf, Layout::gen5})
        for (Codec codec : {Codec::raw, Codec::zfp, Codec::zstd, Codec::shuffle_zstd})
            for (DType dtype : kAllDTypes) cases.push_back({layout, codec, dtype});
    return cases;
}

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, LatentComesBackBitExact) {
    const auto [layout, codec, dtype] = GetParam();
    ArtifactContent content = sample_content();
    const Tensor original = random_tensor(dtype, {1, 4, 16, 16}, 7);
    content.latents = {{"noise", original, codec}};
    const WriteOptions options{.layout = layout};
    if (codec == Codec::zfp && (layout == Layout::gen5 || !zfp_supports(dtype))) {
        EXPECT_THROW((void)encode(content, options), InvalidArgument);
        return;
    }
    const auto bytes = encode(content, options);
    const Reader reader = Reader::from_bytes(Bytes(bytes));
    ASSERT_EQ(reader.latents().size(), 1u);
    const bool fell_back = codec != Codec::raw && reader.latents()[0].codec == Codec::raw;
    if (fell_back) {  // random values that do not compress: stored raw, never larger
        EXPECT_EQ(reader.latents()[0].stored_size, 12 + original.bytes().size());
        if (codec == Codec::shuffle_zstd) {
            EXPECT_FALSE(dtype_is_float(dtype)) << "float noise compresses under shuffle-zstd";
        }
    } else {
        EXPECT_EQ(reader.latents()[0].codec, codec);
    }
    const Tensor decoded = reader.load_latent("noise");
    EXPECT_EQ(decoded.dtype(), dtype);
    EXPECT_EQ(decoded.shape(), original.shape());
    EXPECT_TRUE(std::ranges::equal(decoded.bytes(), original.bytes()));
    const bool extension = !dtype_is_legacy(dtype) ||
                           (codec == Codec::zstd && layout == Layout::raiiaf && !fell_back) ||
                           (codec == Codec::shuffle_zstd && !fell_back);
    EXPECT_EQ(reader.header().version_minor, extension ? 1 : 0);
    const CheckReport report = check_bytes(bytes);
    for (const auto& problem : report.problems) ADD_FAILURE() << problem.message;
}

INSTANTIATE_TEST_SUITE_P(CodecDTypeLayout, RoundTrip, ::testing::ValuesIn(all_cases()), case_name);

TEST(RoundTripRanks, RanksZeroToEightWithEveryCodec) {
    for (unsigned rank = 0; rank <= 8; ++rank) {
        Shape shape(rank, 2);
        if (rank > 0) shape[0] = 3;
        for (Codec codec : {Codec::raw, Codec::zfp, Codec::zstd, Codec::shuffle_zstd}) {
            ArtifactContent content = sample_content();
            const Tensor original = random_tensor(DType::float32, shape, rank);
            content.latents = {{"t", original, codec}};
            const auto bytes = encode(content);
            const Reader reader = Reader::from_bytes(Bytes(bytes));
            const Tensor decoded = reader.load_latent("t");
            EXPECT_EQ(decoded.shape(), shape) << "rank " << rank;
            EXPECT_TRUE(std::ranges::equal(decoded.bytes(), original.bytes())) << "rank " << rank << " " << codec_name(codec);
            const bool compressed_ext = reader.latents()[0].codec == Codec::zstd || reader.latents()[0].codec == Codec::shuffle_zstd;
            EXPECT_EQ(reader.header().version_minor, rank == 4 && !compressed_ext ? 0 : 1);
        }
    }
    ArtifactContent content = sample_content();
    content.latents = {{"t", random_tensor(DType::float32, Shape(9, 1)), std::nullopt}};
    EXPECT_THROW((void)encode(content), InvalidArgument);
}

TEST(RoundTripRanks, EmptyTensorFallsBackToRawUnderZfp) {
    ArtifactContent content = sample_content();
    content.latents = {{"empty", random_tensor(DType::float32, {1, 0, 4, 4}), Codec::zfp}};
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    EXPECT_EQ(reader.latents()[0].codec, Codec::raw);
    EXPECT_EQ(reader.load_latent("empty").bytes().size(), 0u);
}

TEST(Float16Option, ConvertsWithRoundToNearestEven) {
    ArtifactContent content = sample_content();
    std::vector<float> values{1.0f, 65504.0f, 65520.0f, 1.0f + 1.0f / 2048.0f, 1.0f + 3.0f / 2048.0f, 5.96e-8f,
                              2.98e-8f, -0.0f, 1e-10f, 3.0f / (1 << 25)};
    std::vector<std::byte> raw(values.size() * 4);
    std::memcpy(raw.data(), values.data(), raw.size());
    content.latents = {{"v", Tensor(DType::float32, {values.size()}, Bytes(raw)), std::nullopt}};
    for (Codec codec : {Codec::raw, Codec::zfp}) {
        const auto bytes = encode(content, {.codec = codec, .float16 = true});
        // Copies: a raw payload sits at an odd offset, where as<T>() refuses a view.
        const Reader reader = Reader::from_bytes(Bytes(bytes), {.copy_payloads = true});
        const Tensor half = reader.load_latent("v");
        ASSERT_EQ(half.dtype(), DType::float16);
        const auto h = half.as<std::uint16_t>();
        const std::vector<std::uint16_t> expected{0x3C00, 0x7BFF, 0x7C00, 0x3C00, 0x3C02, 0x0001,
                                                  0x0000, 0x8000, 0x0000, 0x0002};
        EXPECT_EQ(std::vector<std::uint16_t>(h.begin(), h.end()), expected) << codec_name(codec);
        EXPECT_EQ(reader.chunks()[0].flags, "F16");
    }
}

TEST(ShuffleZstd, NeverLargerThanRawAndSmallerOnNoise) {
    ArtifactContent content = sample_content();
    const Tensor noise = random_tensor(DType::float32, {1, 4, 64, 64}, 3);
    content.latents = {{"noise", noise, Codec::shuffle_zstd}};
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    const LatentInfo& info = reader.latents()[0];
    EXPECT_EQ(info.codec, Codec::shuffle_zstd);
    EXPECT_LT(info.stored_size, 0.9 * noise.bytes().size()) << "Gaussian float32 noise compresses to ~0.83";
    EXPECT_EQ(reader.chunks()[0].extra["codec"], "shuffle-zstd");
    EXPECT_TRUE(std::ranges::equal(reader.load_latent(0).bytes(), noise.bytes()));
}

TEST(ZfpLossy, ErrorStaysWithinTheRecordedTolerance) {
    for (DType dtype : {DType::float32, DType::float64}) {
        for (double tolerance : {1e-1, 1e-3}) {
            ArtifactContent content = sample_content();
            const Tensor original = random_tensor(dtype, {1, 4, 32, 32}, 11);
            content.latents = {{"noise", original, Codec::zfp, tolerance}};
            const auto bytes = encode(content);
            const Reader reader = Reader::from_bytes(Bytes(bytes));
            EXPECT_EQ(reader.latents()[0].zfp_tolerance, tolerance);
            const Tensor decoded = reader.load_latent(0);  // the hash covers the decoded values
            double max_error = 0;
            for (std::uint64_t i = 0; i < original.element_count(); ++i) {
                const double a = dtype == DType::float32 ? original.as<float>()[i] : original.as<double>()[i];
                const double b = dtype == DType::float32 ? decoded.as<float>()[i] : decoded.as<double>()[i];
                max_error = std::max(max_error, std::abs(a - b));
            }
            EXPECT_LE(max_error, tolerance) << dtype_name(dtype);
            EXPECT_GT(max_error, 0.0) << "lossy mode actually loses";
            EXPECT_TRUE(check_bytes(bytes).ok());
        }
    }
    ArtifactContent content = sample_content();
    content.latents[0].zfp_tolerance = 0.01;  // with the raw codec
    EXPECT_THROW((void)encode(content), InvalidArgument);
    content.latents[0].codec = Codec::zfp;
    content.latents[0].zfp_tolerance = -1;
    EXPECT_THROW((void)encode(content), InvalidArgument);
}

TEST(Determinism, IdenticalInputGivesIdenticalBytes) {
    const ArtifactContent content = sample_content();
    for (Layout layout : {Layout::raiiaf, Layout::gen5})
        for (Codec codec : {Codec::raw, Codec::zstd}) {
            const WriteOptions options{.layout = layout, .codec = codec};
            EXPECT_EQ(encode(content, options), encode(content, options));
        }
}

TEST(Writer, FillsTheDateWhenEmpty) {
    ArtifactContent content = sample_content();
    content.model.date.clear();
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    const std::string& date = reader.model_info().date;
    ASSERT_EQ(date.size(), 32u) << date;
    EXPECT_EQ(date.substr(26), "+00:00");
    EXPECT_EQ(date[10], 'T');
}

TEST(Writer, LeavesOutSettingsTheCallerDidNotGive) {
    ArtifactContent content = sample_content();
    content.model.generation_settings.reset();
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    EXPECT_FALSE(reader.manifest()["raiiaf_metadata"]["model_info"].contains("generation_settings"));
    EXPECT_FALSE(reader.manifest()["raiiaf_metadata"]["model_info"].contains("hardware_info"));
}

TEST(Writer, RefusesSchemaViolationsNamingThePath) {
    ArtifactContent content = sample_content();
    content.model.generation_settings = Json{{"seed", 1}, {"steps", 0}, {"sampler", "euler"}};
    try {
        (void)encode(content);
        FAIL() << "steps 0 was accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_EQ(e.where().json_path, "/raiiaf_metadata/model_info/generation_settings/steps") << e.what();
    }
}

TEST(Writer, RefusesDuplicateOrEmptyNamesAndBadImages) {
    ArtifactContent content = sample_content();
    content.latents.push_back(content.latents[0]);
    EXPECT_THROW((void)encode(content), InvalidArgument);
    content = sample_content();
    content.latents[0].name.clear();
    EXPECT_THROW((void)encode(content), InvalidArgument);
    content = sample_content();
    content.image->bytes = Bytes::copy_of(std::string_view("not an image"));
    EXPECT_THROW((void)encode(content), InvalidArgument);
    auto png = testing::read_file_bytes(testing::expected_dir("r1_f32_raw") / "image.png");
    png[40] ^= std::byte{1};  // inside a chunk: its CRC no longer matches
    content.image->bytes = Bytes(png);
    EXPECT_THROW((void)encode(content), InvalidArgument);
}

TEST(Writer, RecordsImageFormatAndSizeBesideCallerKeys) {
    ArtifactContent content = sample_content();
    content.image->extra = Json{{"source", "test"}};
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    const auto info = reader.image_info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->format, "png");
    EXPECT_GT(info->width.value_or(0), 0u);
    EXPECT_GT(info->height.value_or(0), 0u);
    EXPECT_EQ(reader.chunks()[info->chunk_index].extra["source"], "test");
    EXPECT_FALSE(reader.chunks()[info->chunk_index].compressed);
}

// Files written with default options have the structure of ../shared/reference/FORMAT.md
// for the existing package's reader: same header, chunk order, record keys and envelopes.
TEST(DefaultStructure, MatchesTheExistingPackagesFiles) {
    ArtifactContent content = sample_content();
    const auto bytes = encode(content);
    const Reader ours = Reader::from_bytes(Bytes(bytes));
    const Reader theirs = Reader::open(testing::vector_file("r1_f32_raw"));

    const Header& header = ours.header();
    EXPECT_EQ(header.layout, Layout::raiiaf);
    EXPECT_EQ(header.version_major, 1);
    EXPECT_EQ(header.version_minor, 0);
    EXPECT_EQ(header.flags, 0);
    EXPECT_EQ(header.reserved, 0u);
    EXPECT_EQ(header.file_size, bytes.size());
    EXPECT_EQ(header.chunk_table_offset + header.chunk_table_size, bytes.size()) << "manifest is last";

    ASSERT_EQ(ours.chunks().size(), theirs.chunks().size());
    std::uint64_t expected_offset = 33;
    for (std::size_t i = 0; i < ours.chunks().size(); ++i) {
        const ChunkRecord& a = ours.chunks()[i];
        const ChunkRecord& b = theirs.chunks()[i];
        EXPECT_EQ(a.type, b.type) << "chunk order LATN, DATA, ENVC";
        EXPECT_EQ(a.flags, b.flags);
        EXPECT_EQ(a.offset, expected_offset) << "chunks are contiguous";
        expected_offset += a.compressed_size;
        EXPECT_EQ(a.len_header.has_value(), b.len_header.has_value());
        if (a.type == "LATN") {
            EXPECT_EQ(a.compressed, b.compressed);
            EXPECT_EQ(a.len_header, b.len_header);
            EXPECT_EQ(a.len_data, a.uncompressed_size);
        }
        if (a.type == "ENVC") {
            EXPECT_TRUE(a.compressed);
        }
        // Same keys in the same order, in the record and in a latent's extra.
        const Json& record_a = ours.manifest()["raiiaf_metadata"]["chunks"][i];
        const Json& record_b = theirs.manifest()["raiiaf_metadata"]["chunks"][i];
        std::vector<std::string> keys_a, keys_b;
        for (const auto& [key, value] : record_a.items()) keys_a.push_back(key);
        for (const auto& [key, value] : record_b.items()) keys_b.push_back(key);
        EXPECT_EQ(keys_a, keys_b);
        if (a.type == "LATN") {
            std::vector<std::string> extra_a, extra_b;
            // Our digests of the stored bytes come last; the existing package ignores them.
            for (const auto& [key, value] : record_a["extra"].items())
                if (key != kFastDigestKey && key != kStoredDigestKey) extra_a.push_back(key);
            for (const auto& [key, value] : record_b["extra"].items()) extra_b.push_back(key);
            EXPECT_EQ(extra_a, extra_b);
        }
    }
    EXPECT_EQ(expected_offset, header.chunk_table_offset);
    const Json& info = ours.manifest()["raiiaf_metadata"]["file_info"];
    EXPECT_EQ(info["magic"], "raiiaf");
    EXPECT_EQ(info["file_size"], bytes.size()) << "ours is exact";
    EXPECT_EQ(info["chunk_count"], ours.chunks().size());
    std::vector<std::string> top_a, top_b;
    for (const auto& [key, value] : ours.manifest()["raiiaf_metadata"].items()) top_a.push_back(key);
    for (const auto& [key, value] : theirs.manifest()["raiiaf_metadata"].items()) top_b.push_back(key);
    EXPECT_EQ(top_a, top_b);
}

TEST(DefaultStructure, Gen5RecordsHaveNoSplitFields) {
    ArtifactContent content = sample_content();
    const auto bytes = encode(content, {.layout = Layout::gen5, .codec = Codec::zstd});
    const Reader ours = Reader::from_bytes(Bytes(bytes));
    const Reader theirs = Reader::open(testing::vector_file("g1_f32_zstd"));
    EXPECT_EQ(ours.header().version_minor, 0);
    for (std::size_t i = 0; i < ours.chunks().size(); ++i) {
        std::vector<std::string> keys_a, keys_b;
        for (const auto& [key, value] : ours.manifest()["gen5_metadata"]["chunks"][i].items()) keys_a.push_back(key);
        for (const auto& [key, value] : theirs.manifest()["gen5_metadata"]["chunks"][i].items()) keys_b.push_back(key);
        EXPECT_EQ(keys_a, keys_b);
    }
}

}  // namespace
}  // namespace raiiaf

#include <sys/mman.h>

namespace raiiaf {
namespace {

// What the u32 header fields cannot address is refused before any byte is
// written. The 5 GiB chunk is inaccessible reserved address space: reading it
// would crash the test, so this also proves the refusal comes first.
TEST(LayoutLimits, RefusesManifestPastFourGiB) {
    constexpr std::size_t kHuge = 5ull << 30;
    void* reserved = mmap(nullptr, kHuge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ASSERT_NE(reserved, MAP_FAILED);
    ArtifactContent content = sample_content();
    ChunkRecord record;
    record.type = "XBIG";
    record.flags = "0000";
    record.compressed = true;
    record.compressed_size = kHuge;
    record.uncompressed_size = 1;
    record.hash = std::string(64, '0');
    content.stored_chunks.push_back({record, Bytes::borrowed(std::span(static_cast<const std::byte*>(reserved), kHuge))});
    for (Layout layout : {Layout::raiiaf, Layout::gen5}) {
        try {
            (void)encode(content, {.layout = layout});
            ADD_FAILURE() << "a 5 GiB chunk was accepted";
        } catch (const InvalidArgument& e) {
            EXPECT_NE(std::string(e.what()).find("4 GiB"), std::string::npos) << e.what();
        }
    }
    munmap(reserved, kHuge);
}

}  // namespace
}  // namespace raiiaf
