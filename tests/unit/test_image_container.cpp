// The image-metadata layer (src/image/): segments of PNG, JPEG and WebP, the
// metadata texts inside them, stealth bits, and hostile inputs.
#include <gtest/gtest.h>

#include <algorithm>

#include "expect_error.hpp"
#include "image/container.hpp"
#include "image_fixtures.hpp"
#include "raiiaf/errors.hpp"
#include "test_support.hpp"

namespace raiiaf::detail::image {
namespace {


using namespace raiiaf::testing;

std::filesystem::path interop_dir() { return std::filesystem::path(RAIIAF_TEST_DATA_DIR) / "interop"; }

const MetadataText* find_text(const std::vector<MetadataText>& texts, std::string_view source, std::string_view key) {
    const auto it = std::find_if(texts.begin(), texts.end(),
                                 [&](const MetadataText& t) { return t.source == source && t.key == key; });
    return it == texts.end() ? nullptr : &*it;
}

TEST(ImageSegments, PngChunksInOrderWithOffsetsThatAddUp) {
    const FileBytes png = png_with_chunks(small_png(), {png_chunk("tEXt", text_chunk_data("parameters", "a cat"))}, false);
    const ContainerLayout layout = list_segments(png);
    EXPECT_EQ(layout.format, "png");
    ASSERT_GE(layout.segments.size(), 4u);
    EXPECT_EQ(layout.segments.front().type, "IHDR");
    EXPECT_EQ(layout.segments.back().type, "IEND");
    std::uint64_t expected_offset = 8;
    for (const Segment& segment : layout.segments) {
        EXPECT_EQ(segment.offset, expected_offset) << segment.type;
        EXPECT_EQ(segment.length, segment.data.size() + 12) << segment.type;
        expected_offset += segment.length;
    }
    EXPECT_EQ(expected_offset, png.size());
    EXPECT_EQ(layout.segments[1].type, "tEXt");
}

TEST(ImageSegments, JpegSegmentsEndWithTheScanRunningToTheEnd) {
    const FileBytes jpeg = minimal_jpeg(exif_block({{0x010F, "maker"}}, "", true, true), "hello");
    const ContainerLayout layout = list_segments(jpeg);
    EXPECT_EQ(layout.format, "jpeg");
    std::vector<std::string> types;
    for (const auto& s : layout.segments) types.push_back(s.type);
    EXPECT_EQ(types, (std::vector<std::string>{"SOI", "APP1", "COM", "SOF0", "SOS"}));
    EXPECT_EQ(layout.segments.back().offset + layout.segments.back().length, jpeg.size());
    EXPECT_EQ(as_string(FileBytes(layout.segments[2].data.begin(), layout.segments[2].data.end())), "hello");
}

TEST(ImageSegments, WebpChunksAfterTheRiffHeader) {
    const FileBytes webp = minimal_webp(exif_block({{0x0110, "prompt:{}"}}, "", false, false));
    const ContainerLayout layout = list_segments(webp);
    EXPECT_EQ(layout.format, "webp");
    ASSERT_EQ(layout.segments.size(), 2u);
    EXPECT_EQ(layout.segments[0].type, "VP8L");
    EXPECT_EQ(layout.segments[0].offset, 12u);
    EXPECT_EQ(layout.segments[1].type, "EXIF");
    EXPECT_EQ(layout.segments[1].offset + layout.segments[1].length, webp.size());
}

TEST(ImageTexts, TextZtxtAndItxtBeforeAndAfterTheImageData) {
    const std::string unicode = "1girl, \xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88";  // テスト
    const FileBytes png = png_with_chunks(
        png_with_chunks(small_png(),
                        {png_chunk("tEXt", text_chunk_data("Title", "caf\xE9")),  // Latin-1 é
                         png_chunk("zTXt", ztxt_chunk_data("Comment", "zipped text"))},
                        false),
        {png_chunk("iTXt", itxt_chunk_data("parameters", unicode, false)),
         png_chunk("iTXt", itxt_chunk_data("prompt", "{\"1\": {}}", true))},
        true);
    const auto texts = read_metadata_texts(png, Limits{});
    ASSERT_EQ(texts.size(), 4u);
    EXPECT_EQ(texts[0], (MetadataText{"png:tEXt", "Title", "caf\xC3\xA9"}));
    EXPECT_EQ(texts[1], (MetadataText{"png:zTXt", "Comment", "zipped text"}));
    EXPECT_EQ(texts[2], (MetadataText{"png:iTXt", "parameters", unicode}));
    EXPECT_EQ(texts[3], (MetadataText{"png:iTXt", "prompt", "{\"1\": {}}"}));
}

TEST(ImageTexts, UserCommentUtf16OfBothByteOrdersAndAscii) {
    const std::u16string text = u"a cat\nSteps: 20, \u30c6";
    const std::string expected = "a cat\nSteps: 20, \xE3\x83\x86";
    for (const bool block_big_endian : {true, false}) {
        for (const bool text_big_endian : {true, false}) {
            const FileBytes jpeg = minimal_jpeg(
                exif_block({}, unicode_user_comment(text, text_big_endian), block_big_endian, true));
            const auto texts = read_metadata_texts(jpeg, Limits{});
            const auto* comment = find_text(texts, "exif:UserComment", "UserComment");
            ASSERT_NE(comment, nullptr);
            EXPECT_EQ(comment->text, expected) << block_big_endian << text_big_endian;
        }
    }
    const FileBytes ascii = minimal_jpeg(exif_block({}, std::string("ASCII\0\0\0plain", 13), false, true));
    EXPECT_EQ(find_text(read_metadata_texts(ascii, Limits{}), "exif:UserComment", "UserComment")->text, "plain");
}

TEST(ImageTexts, WebpExifMakeAndModelWithAndWithoutPrefix) {
    for (const bool prefix : {true, false}) {
        const FileBytes webp =
            minimal_webp(exif_block({{0x010F, "workflow:{\"a\":1}"}, {0x0110, "prompt:{\"b\":2}"}}, "", false, prefix));
        const auto texts = read_metadata_texts(webp, Limits{});
        ASSERT_NE(find_text(texts, "exif:Make", "Make"), nullptr);
        EXPECT_EQ(find_text(texts, "exif:Make", "Make")->text, "workflow:{\"a\":1}");
        EXPECT_EQ(find_text(texts, "exif:Model", "Model")->text, "prompt:{\"b\":2}");
    }
}

TEST(ImageTexts, StealthInAllFourForms) {
    const std::string payload = "{\"prompt\": \"stealthy cat\"}";
    struct Form {
        const char* magic;
        bool alpha;
        bool comp;
    };
    for (const Form form : {Form{"stealth_pnginfo", true, false}, Form{"stealth_pngcomp", true, true},
                            Form{"stealth_rgbinfo", false, false}, Form{"stealth_rgbcomp", false, true}}) {
        const std::string stored = form.comp ? zlib_compress(payload, true) : payload;
        const std::uint32_t width = 16, height = 150;
        const auto pixels = stealth_pixels(form.magic, stored, width, height, form.alpha);
        std::vector<std::uint8_t> rgb;
        if (!form.alpha)
            for (std::size_t i = 0; i < pixels.size(); i += 4) rgb.insert(rgb.end(), &pixels[i], &pixels[i] + 3);
        const FileBytes png = form.alpha ? encode_png(pixels, width, height, true) : encode_png(rgb, width, height, false);
        EXPECT_TRUE(read_metadata_texts(png, Limits{}, StealthScan::never).empty());
        const auto texts = read_metadata_texts(png, Limits{}, StealthScan::always);
        ASSERT_EQ(texts.size(), 1u) << form.magic;
        EXPECT_EQ(texts[0].source, std::string("stealth:") + (form.magic + 8));
        EXPECT_EQ(texts[0].key, form.magic);
        EXPECT_EQ(texts[0].text, payload);
    }
}

TEST(ImageTexts, StealthInAShortImageSpansColumns) {
    const std::string payload = "short image, long text: " + std::string(100, 'x');
    const auto pixels = stealth_pixels("stealth_pnginfo", payload, 64, 20, true);  // magic alone needs 120 rows
    const auto texts = read_stealth_texts(encode_png(pixels, 64, 20, true), Limits{});
    ASSERT_EQ(texts.size(), 1u);
    EXPECT_EQ(texts[0].text, payload);
}

TEST(ImageTexts, StealthInAnInterlacedImage) {
    const std::string payload = "interlaced rows arrive pass by pass";
    const auto pixels = stealth_pixels("stealth_pnginfo", payload, 20, 130, true);
    const FileBytes png = encode_png(pixels, 20, 130, true, true);
    ASSERT_EQ(static_cast<unsigned char>(png[8 + 8 + 12]), 1u);  // IHDR interlace method
    const auto texts = read_stealth_texts(png, Limits{});
    ASSERT_EQ(texts.size(), 1u);
    EXPECT_EQ(texts[0].text, payload);
}

TEST(ImageTexts, NoStealthMagicMeansNothing) {
    EXPECT_TRUE(read_stealth_texts(small_png(32, 200, true), Limits{}).empty());
    EXPECT_TRUE(read_stealth_texts(small_png(3, 3, false), Limits{}).empty());
}

TEST(ImageTexts, InteropFilesCarryTheirDocumentedTexts) {
    const auto read = [](const char* name, StealthScan stealth = StealthScan::never) {
        return read_metadata_texts(read_file_bytes(interop_dir() / name), Limits{}, stealth);
    };
    const auto forge = read("enslo_forge-classic-en.png");
    ASSERT_NE(find_text(forge, "png:tEXt", "parameters"), nullptr);
    EXPECT_TRUE(find_text(forge, "png:tEXt", "parameters")->text.starts_with("general, masterpiece"));

    const auto neo = read("enslo_forge-neo.jpeg");
    ASSERT_NE(find_text(neo, "exif:UserComment", "UserComment"), nullptr);
    EXPECT_NE(find_text(neo, "exif:UserComment", "UserComment")->text.find("Steps: 24, Sampler: Euler a"),
              std::string::npos);

    const auto webp = read("enslo_comfyui-animated-webp.webp");
    ASSERT_NE(find_text(webp, "exif:Model", "Model"), nullptr);
    EXPECT_TRUE(find_text(webp, "exif:Model", "Model")->text.starts_with("prompt:{"));
    EXPECT_TRUE(find_text(webp, "exif:Make", "Make")->text.starts_with("workflow:{"));

    const auto novelai = read("novelaipy_sample-0317.png", StealthScan::always);
    ASSERT_NE(find_text(novelai, "stealth:pngcomp", "stealth_pngcomp"), nullptr);
    EXPECT_NE(find_text(novelai, "stealth:pngcomp", "stealth_pngcomp")->text.find("NovelAI"), std::string::npos);
}

// ---- hostile inputs -------------------------------------------------------------------

TEST(ImageHostile, TruncatedAndLyingPngChunks) {
    const FileBytes png = png_with_chunks(small_png(), {png_chunk("tEXt", text_chunk_data("parameters", "x"))}, false);
    for (std::size_t cut = 9; cut < png.size(); cut += 7) {
        const FileBytes truncated(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(cut));
        EXPECT_THROW((void)read_metadata_texts(truncated, Limits{}), ImageError) << cut;
    }
    FileBytes lying = png;
    lying[33 + 0] = std::byte{0x7F};  // the tEXt chunk's length (after 8 + 25 bytes of IHDR)
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_metadata_texts(lying, Limits{}); }),
                       "runs past the end");
    FileBytes bad_crc = png;
    bad_crc[33 + 8 + 2] ^= std::byte{1};
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_metadata_texts(bad_crc, Limits{}); }), "CRC");
    const FileBytes no_keyword_end = png_with_chunks(small_png(), {png_chunk("tEXt", "no nul here")}, false);
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_metadata_texts(no_keyword_end, Limits{}); }),
                       "NUL");
}

TEST(ImageHostile, ZtxtBombStopsAtTheLimit) {
    Limits limits;
    limits.max_metadata_text_size = 1 << 20;
    const std::string bomb = std::string(8 << 20, 'a');
    const FileBytes png = png_with_chunks(small_png(), {png_chunk("zTXt", ztxt_chunk_data("parameters", bomb))}, false);
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_metadata_texts(png, limits); }), "limit");
    const std::string damaged = std::string("parameters\0\0", 12) + "not zlib at all";
    const FileBytes bad = png_with_chunks(small_png(), {png_chunk("zTXt", damaged)}, false);
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_metadata_texts(bad, limits); }), "damaged");
}

TEST(ImageHostile, StealthGzipBombAndLyingLength) {
    Limits limits;
    limits.max_metadata_text_size = 64 << 10;
    const std::string bomb = zlib_compress(std::string(4 << 20, 'b'), true);
    const auto pixels = stealth_pixels("stealth_pngcomp", bomb, 512, 512, true);
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_stealth_texts(encode_png(pixels, 512, 512, true), limits); }),
                       "limit");

    auto lying = stealth_pixels("stealth_pnginfo", "abc", 8, 200, true);
    // Set every length bit: 2^32-1 bits cannot fit in 1600 pixels.
    for (std::size_t i = 120; i < 152; ++i) {
        const std::size_t x = i / 200, y = i % 200;
        lying[(y * 8 + x) * 4 + 3] |= 1;
    }
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_stealth_texts(encode_png(lying, 8, 200, true), limits); }),
                       "runs past the pixels");
}

TEST(ImageHostile, JpegAndWebpLengthsPastTheEnd) {
    FileBytes jpeg = minimal_jpeg(exif_block({{0x010F, "maker"}}, "", true, true));
    jpeg[4] = std::byte{0x7F};  // APP1 length
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_metadata_texts(jpeg, Limits{}); }),
                       "runs past the end");
    FileBytes webp = minimal_webp(exif_block({{0x010F, "maker"}}, "", true, false));
    webp[12 + 4 + 3] = std::byte{0x40};  // VP8L chunk size
    EXPECT_MESSAGE_HAS(thrown_message<ImageError>([&] { (void)read_metadata_texts(webp, Limits{}); }),
                       "runs past the end");
    EXPECT_THROW((void)read_metadata_texts(FileBytes(16, std::byte{0x42}), Limits{}), ImageError);
}

TEST(ImageHostile, DamagedExifIsAnImageErrorNotACrash) {
    FileBytes exif = exif_block({{0x010F, "a make that is long enough"}}, "UNICODE\0xx", true, true);
    for (std::size_t i = 6; i < exif.size(); ++i) {
        FileBytes damaged = exif;
        damaged[i] = std::byte{0xFF};
        try {
            (void)read_metadata_texts(minimal_jpeg(damaged), Limits{});
        } catch (const ImageError&) {
        }
    }
    FileBytes garbage(40, std::byte{0x4D});
    EXPECT_THROW((void)read_exif_texts(garbage, Limits{}), ImageError);
}

}  // namespace
}  // namespace raiiaf::detail::image
