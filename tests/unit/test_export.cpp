// Issue 15: artifacts exported into PNG, JPEG and WebP images and read back
// through every reader entry point; hostile embedding; A1111 quoting. The
// tools that read the images (PIL, exiftool, Chromium, A1111's parser) are
// exercised by tests/python/test_export.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "expect_error.hpp"
#include "format/sha256.hpp"
#include "image/container.hpp"
#include "image/embed.hpp"
#include "image/infotext.hpp"
#include "image/splice.hpp"
#include "raiiaf/export.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/version.hpp"
#include "raiiaf/writer.hpp"
#include "test_support.hpp"

// The call throws ErrorClass (or a subclass) with `text` in its message.
#define RAIIAF_EXPECT_ERROR(call, ErrorClass, text) \
    EXPECT_MESSAGE_HAS(::raiiaf::testing::thrown_message<ErrorClass>([&] { (void)(call); }), text)

namespace raiiaf {
namespace {

using testing::read_file_bytes;

std::vector<std::byte> fixture(const std::string& name) {
    return read_file_bytes(std::filesystem::path(RAIIAF_TEST_DATA_DIR) / "export" / name);
}

std::vector<std::byte> artifact_with(const std::string& image, Shape latent_shape = {1, 4, 8, 8}) {
    ArtifactContent content = testing::sample_content();
    content.latents.front().tensor = testing::random_tensor(DType::float32, std::move(latent_shape), 15);
    content.image = ImageInput{Bytes(fixture(image)), Json::object()};
    content.environment = testing::fixed_environment();
    return encode(content);
}

// Where the (single-piece) artifact sits inside an exported image.
std::size_t artifact_offset(const std::vector<std::byte>& image, const std::vector<std::byte>& artifact) {
    const auto it = std::search(image.begin(), image.end(), artifact.begin(), artifact.end());
    if (it == image.end()) throw std::runtime_error("artifact not found in the image");
    return static_cast<std::size_t>(it - image.begin());
}

class Export : public ::testing::TestWithParam<std::string> {};

TEST_P(Export, EmbeddedArtifactReadsBackBitExactlyThroughEveryEntryPoint) {
    const auto artifact = artifact_with(GetParam());
    const auto image = export_image(artifact, {.embed = true});
    EXPECT_EQ(detect_image_format(image), detect_image_format(fixture(GetParam())));

    EXPECT_TRUE(check_bytes(image).ok());
    const Reader original = Reader::from_bytes(Bytes::copy_of(artifact));
    const Reader embedded = Reader::from_bytes(Bytes::copy_of(image));
    EXPECT_EQ(embedded.file_size(), artifact.size());
    EXPECT_EQ(embedded.manifest(), original.manifest());
    const Tensor a = original.load_latent(0), b = embedded.load_latent(0);
    ASSERT_EQ(a.bytes().size(), b.bytes().size());
    EXPECT_EQ(std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size()), 0);

    testing::TempDir dir;
    const auto path = dir / ("out." + GetParam().substr(GetParam().find('.') + 1));
    testing::write_file_bytes(path, image);
    EXPECT_TRUE(check_file(path).ok());
    EXPECT_EQ(Reader::open(path).manifest(), original.manifest());
}

TEST_P(Export, StoredUnitsAreCopiedVerbatim) {
    // Every unit of the stored image (the pixels' IDAT, scan or VP8 data included) is in the export unchanged.
    const auto stored = fixture(GetParam());
    const auto exported = export_image(artifact_with(GetParam()), {.embed = true});
    for (const auto& unit : detail::image::list_segments(stored).segments) {
        if (unit.type == "VP8X") continue;  // its flags change
        const auto data = std::span(stored).subspan(unit.offset, unit.length);
        EXPECT_NE(std::search(exported.begin(), exported.end(), data.begin(), data.end()), exported.end())
            << unit.type << " at " << unit.offset;
    }
}

TEST_P(Export, EverySingleBitFlipInTheEmbeddedPayloadFailsVerification) {
    const auto artifact = artifact_with(GetParam());
    const auto image = export_image(artifact, {.embed = true, .xmp = false, .parameters = false});
    // The whole unit holding the piece: its chunk/segment header (and PNG CRC), the piece header, the artifact.
    const std::size_t at = artifact_offset(image, artifact);
    std::size_t begin = 0, end = 0;
    for (const auto& unit : detail::image::list_segments(image).segments)
        if (unit.offset <= at && at < unit.offset + unit.length) begin = unit.offset, end = unit.offset + unit.length;
    ASSERT_GT(end, at + artifact.size() - 1);
    std::vector<std::byte> flipped = image;
    std::vector<std::string> undetected;
    for (std::size_t offset = begin; offset < end; ++offset) {
        for (int bit = 0; bit < 8; ++bit) {
            flipped[offset] ^= std::byte(1u << bit);
            if (check_bytes(flipped).ok()) undetected.push_back(std::to_string(offset) + ":" + std::to_string(bit));
            flipped[offset] ^= std::byte(1u << bit);
        }
    }
    EXPECT_TRUE(undetected.empty()) << undetected.size() << " flips not detected, first at "
                                    << (undetected.empty() ? "" : undetected.front());
    EXPECT_GT(end - begin, 1000u);
}

TEST_P(Export, PlainExportHasNoEmbeddedArtifact) {
    const auto image = export_image(artifact_with(GetParam()));
    RAIIAF_EXPECT_ERROR(Reader::from_bytes(Bytes::copy_of(image)), NoEmbeddedArtifact, "no embedded artifact");
    const auto report = check_bytes(image);
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_NE(report.problems.front().message.find("no embedded artifact"), std::string::npos);
}

TEST_P(Export, ReexportReplacesTheEmbeddedCopy) {
    const auto artifact = artifact_with(GetParam());
    const auto once = export_image(artifact, {.embed = true});
    EXPECT_EQ(export_image(once, {.embed = true}), once);
    const auto plain = export_image(once);  // from the image, without embedding: no artifact left
    RAIIAF_EXPECT_ERROR(Reader::from_bytes(Bytes::copy_of(plain)), NoEmbeddedArtifact, "no embedded artifact");
}

INSTANTIATE_TEST_SUITE_P(Formats, Export, ::testing::Values("gradient.png", "gradient.jpg", "gradient.webp"),
                         [](const auto& info) { return info.param.substr(info.param.find('.') + 1); });

TEST(ExportLarge, ArtifactsLargerThanOnePieceAreSplitAndReassembledInIndexOrder) {
    // 1x4x128x160 float32 is 320 KiB: five APP9 segments in JPEG; in PNG above 1 MiB, two raIf chunks.
    for (const auto& [name, shape] : {std::pair{std::string("gradient.jpg"), Shape{1, 4, 128, 160}},
                                      std::pair{std::string("gradient.png"), Shape{1, 4, 256, 300}}}) {
        const auto artifact = artifact_with(name, shape);
        const auto image = export_image(artifact, {.embed = true});
        const auto layout = detail::image::list_segments(image);
        std::vector<detail::image::Segment> pieces;
        for (const auto& s : layout.segments)
            if (s.type == "APP9" || s.type == detail::kPngEmbedType) pieces.push_back(s);
        ASSERT_GE(pieces.size(), 2u) << name;
        EXPECT_TRUE(check_bytes(image).ok()) << name;

        // Another tool may reorder the units: the indices put them back.
        std::vector<std::byte> swapped(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(pieces[0].offset));
        detail::append(swapped, std::span(image).subspan(pieces[1].offset, pieces[1].length));
        detail::append(swapped, std::span(image).subspan(pieces[0].offset, pieces[0].length));
        detail::append(swapped, std::span(image).subspan(pieces[1].offset + pieces[1].length));
        ASSERT_EQ(swapped.size(), image.size());
        ASSERT_NE(swapped, image);
        const Bytes back = detail::unwrap_embedded_artifact(Bytes::copy_of(swapped), {});
        EXPECT_TRUE(std::equal(back.span().begin(), back.span().end(), artifact.begin(), artifact.end())) << name;

        // Dropping a piece is reported, not read past.
        std::vector<std::byte> missing(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(pieces[0].offset));
        detail::append(missing, std::span(image).subspan(pieces[0].offset + pieces[0].length));
        RAIIAF_EXPECT_ERROR(Reader::from_bytes(Bytes::copy_of(missing)), CorruptHeader, "embedded artifact pieces");
    }
}

// ---- hostile embeddings ---------------------------------------------------------

// A PNG (the fixture) with raIf chunks of the given data before IEND.
std::vector<std::byte> png_with_pieces(const std::vector<std::vector<std::byte>>& pieces) {
    const auto png = fixture("gradient.png");
    const auto layout = detail::image::list_segments(png);
    const auto& iend = layout.segments.back();
    std::vector<std::byte> out(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(iend.offset));
    for (const auto& piece : pieces) detail::append(out, detail::png_chunk(detail::kPngEmbedType, piece));
    detail::append(out, std::span(png).subspan(iend.offset));
    return out;
}

// A piece header naming the digest of `digest_of` (16 bytes of 0x42 by default), then 16 bytes of 0x42.
std::vector<std::byte> piece(std::uint32_t index, std::uint32_t count,
                             const std::vector<std::byte>& digest_of = std::vector<std::byte>(16, std::byte{0x42})) {
    std::vector<std::byte> out;
    for (const std::uint32_t v : {index, count})
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte((v >> shift) & 0xFFu));
    for (const unsigned char b : detail::sha256(digest_of)) out.push_back(std::byte{b});
    out.resize(out.size() + 16, std::byte{0x42});
    return out;
}

TEST(EmbeddedHostile, InconsistentPiecesAreCorruptHeaderErrors) {
    const auto open = [](const std::vector<std::byte>& bytes) { return Reader::from_bytes(Bytes::copy_of(bytes)); };
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(0, 2)})), CorruptHeader, "holds 1 embedded artifact pieces, they say there are 2");
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(0, 0xFFFFFFFFu)})), CorruptHeader, "they say there are 4294967295");
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(1, 2), piece(1, 2)})), CorruptHeader, "appears twice");
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(0, 2), piece(5, 2)})), CorruptHeader, "has index 5 of 2");
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(0, 2), piece(1, 3)})), CorruptHeader, "says 3 pieces");
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({std::vector<std::byte>(39)})), CorruptHeader, "shorter than its 40-byte header");
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(0, 2), piece(1, 2, std::vector<std::byte>(3))})), CorruptHeader,
                        "names another artifact digest");
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(0, 1, std::vector<std::byte>(3))})), CorruptHeader,
                        "SHA-256 of the PNG embedded artifact does not match");
    // One consistent piece of junk: the artifact inside is what fails.
    RAIIAF_EXPECT_ERROR(open(png_with_pieces({piece(0, 1)})), CorruptHeader, "");
    EXPECT_FALSE(check_bytes(png_with_pieces({piece(0, 1)})).ok());
}

TEST(EmbeddedHostile, DamagedContainersAreCorruptHeaderErrors) {
    auto bad_crc = png_with_pieces({piece(0, 1)});
    bad_crc[bad_crc.size() - 12 - 1] ^= std::byte{1};  // the raIf chunk's CRC
    RAIIAF_EXPECT_ERROR(Reader::from_bytes(Bytes::copy_of(bad_crc)), CorruptHeader, "wrong CRC");
    auto truncated = fixture("gradient.jpg");
    truncated.resize(40);
    RAIIAF_EXPECT_ERROR(Reader::from_bytes(Bytes::copy_of(truncated)), CorruptHeader, "JPEG image is damaged");
    auto webp = fixture("gradient.webp");
    webp[4] = std::byte{0xFF};  // RIFF size past the end
    EXPECT_FALSE(check_bytes(webp).ok());
    RAIIAF_EXPECT_ERROR(Reader::from_bytes(Bytes::copy_of(webp)), CorruptHeader, "WebP image is damaged");
    // Every truncation of an exported image before the end of its last piece is an error,
    // never a crash or a read past the end (the pixel data after it is not the artifact's).
    const auto image = export_image(artifact_with("gradient.jpg"), {.embed = true});
    std::uint64_t pieces_end = 0;
    for (const auto& unit : detail::image::list_segments(image).segments)
        if (unit.type == "APP9") pieces_end = unit.offset + unit.length;
    ASSERT_GT(pieces_end, 1000u);
    for (std::size_t size = 0; size < pieces_end; size += 7)
        EXPECT_FALSE(check_bytes(std::span(image).first(size)).ok()) << size;
}

TEST(EmbeddedHostile, ImagesOverTheFileSizeLimitAreRefused) {
    const auto image = export_image(artifact_with("gradient.png"), {.embed = true});
    Limits limits;
    limits.max_file_size = image.size() - 1;
    RAIIAF_EXPECT_ERROR(Reader::from_bytes(Bytes::copy_of(image), {.limits = limits}), CorruptHeader, "exceeds the limit");
}

// ---- export errors ----------------------------------------------------------------

TEST(ExportErrors, AnArtifactWithoutImageOrWithADamagedOneIsRefused) {
    ArtifactContent content = testing::sample_content();
    content.image.reset();
    const auto no_image = encode(content);
    RAIIAF_EXPECT_ERROR(export_image(no_image), ImageError, "no image chunk");

    auto damaged = artifact_with("gradient.png");
    damaged[damaged.size() / 2] ^= std::byte{1};
    EXPECT_THROW((void)export_image(damaged, {.embed = true}), DecodeError);
}

TEST(ExportErrors, EmbeddingRefusesADamageInAnyChunkWithTheCheckReportsFirstProblem) {
    ArtifactContent content = testing::sample_content();
    content.image.reset();
    RAIIAF_EXPECT_ERROR(export_image(encode(content), {.embed = true}), ImageError, "no image chunk");

    const auto intact = artifact_with("gradient.png");
    EXPECT_TRUE(check_bytes(export_image(intact, {.embed = true})).ok());
    const std::vector<ChunkRecord> records = Reader::from_bytes(Bytes::copy_of(intact)).chunks();
    for (const ChunkRecord& record : records) {
        auto damaged = intact;
        damaged[record.offset + record.compressed_size / 2] ^= std::byte{1};
        const CheckReport report = check_bytes(damaged);
        ASSERT_FALSE(report.ok()) << record.type;
        RAIIAF_EXPECT_ERROR(export_image(damaged, {.embed = true}), Error, report.problems.front().message);
    }
}

TEST(ExportErrors, TheOutputNameMustMatchTheStoredFormat) {
    testing::TempDir dir;
    const auto artifact = artifact_with("gradient.webp");
    RAIIAF_EXPECT_ERROR((export_image_file(artifact, dir / "out.png"), 0), InvalidArgument, "must end in .webp");
    EXPECT_FALSE(std::filesystem::exists(dir / "out.png"));
    export_image_file(artifact, dir / "out.webp", {.embed = true});
    EXPECT_TRUE(check_file(dir / "out.webp").ok());
}

// ---- A1111 infotext ---------------------------------------------------------------

TEST(Infotext, QuotesAsA1111Does) {
    EXPECT_EQ(detail::a1111_quote("Euler a"), "Euler a");
    EXPECT_EQ(detail::a1111_quote("DPM++ 2M"), "DPM++ 2M");
    EXPECT_EQ(detail::a1111_quote("a, b"), "\"a, b\"");
    EXPECT_EQ(detail::a1111_quote("key: \"v\""), R"("key: \"v\"")");
    EXPECT_EQ(detail::a1111_quote("two\nlines"), R"("two\nlines")");
    EXPECT_EQ(detail::a1111_quote("猫, ü"), "\"猫, ü\"");  // ensure_ascii=False
}

TEST(Infotext, SettingsBecomeTheParametersLine) {
    ModelInfo model = testing::sample_model();
    model.generation_settings = Json{{"seed", 1337}, {"steps", 30}, {"sampler", "euler"}, {"cfg_scale", 7.5},
                                     {"scheduler", "karras"}, {"negative_prompt", "blurry"}, {"model_hash", "abc123"}};
    const auto info = detail::infotext_for(model, std::pair{512u, 768u});
    EXPECT_EQ(info.text(),
              "a cat in neon goggles\nNegative prompt: blurry\nSteps: 30, Sampler: euler, Schedule type: karras, "
              "CFG scale: 7.5, Seed: 1337, Size: 512x768, Model hash: abc123, Model: Stable Diffusion 3, Version: raiiaf " +
                  std::string(library_version()));
    // Always three parameters or more, or A1111 would read the line as prompt.
    ModelInfo bare;
    EXPECT_GE(detail::infotext_for(bare, std::nullopt).parameters.size(), 3u);
}

}  // namespace
}  // namespace raiiaf
