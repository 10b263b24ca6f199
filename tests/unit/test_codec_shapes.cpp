// Latents of every rank 1-4 and of the shapes real pipelines produce (SD 1.x,
// SDXL, SD3, Flux, video) through every codec: written, read back exactly,
// never stored larger than raw; and zfp streams in the 4-D form the existing
// package (zfpy) writes, size-1 axes included, still read.
#include <gtest/gtest.h>

#include <zfp.h>

#include <cmath>

#include "codecs/zfp_codec.hpp"
#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::random_tensor;
using testing::sample_content;

Tensor zero_tensor(DType dtype, const Shape& shape) {
    return Tensor(dtype, shape, Bytes(std::vector<std::byte>(element_count(shape).value() * dtype_size(dtype))));
}

// A smooth field (what a VAE latent looks like), as opposed to noise.
Tensor smooth_tensor(DType dtype, const Shape& shape) {
    const std::uint64_t count = element_count(shape).value();
    std::vector<float> values(count);
    for (std::uint64_t i = 0; i < count; ++i) values[i] = static_cast<float>(std::sin(0.001 * static_cast<double>(i)));
    Tensor as_float32(DType::float32, shape, Bytes::copy_of(std::as_bytes(std::span(values))));
    return dtype == DType::float32 ? as_float32 : convert_dtype(as_float32, dtype);
}

struct ShapeCase {
    const char* name;
    Shape shape;
};

const std::vector<ShapeCase>& shapes() {
    static const std::vector<ShapeCase> cases{
        {"rank1", {37}},
        {"rank2", {9, 33}},
        {"rank3", {3, 17, 9}},
        {"rank4", {2, 3, 17, 9}},
        {"sd15", {1, 4, 64, 64}},
        {"sdxl", {1, 4, 128, 128}},
        {"sd3", {1, 16, 128, 128}},
        {"flux_packed", {1, 4096, 64}},
        {"video", {1, 16, 5, 32, 48}},
    };
    return cases;
}

void expect_round_trip(const Tensor& original, Codec codec, Layout layout, const std::string& what) {
    ArtifactContent content = sample_content();
    content.latents = {{"latent", original, codec}};
    const auto bytes = encode(content, WriteOptions{.layout = layout});
    const CheckReport report = check_bytes(bytes);
    for (const auto& problem : report.problems) ADD_FAILURE() << what << ": " << problem.message;
    const Reader reader = Reader::from_bytes(Bytes(bytes));
    const LatentInfo& info = reader.latents().at(0);
    EXPECT_LE(info.stored_size, kChunkHeaderSize + original.bytes().size()) << what << ": stored larger than raw";
    EXPECT_TRUE(info.codec == codec || info.codec == Codec::raw) << what;
    const Tensor decoded = reader.load_latent("latent");
    EXPECT_EQ(decoded.shape(), original.shape()) << what;
    EXPECT_TRUE(std::ranges::equal(decoded.bytes(), original.bytes())) << what << ": values differ";
}

TEST(CodecShapes, EveryRankAndPipelineShapeThroughEveryCodec) {
    for (const auto& [name, shape] : shapes())
        for (DType dtype : {DType::float32, DType::float16})
            for (Layout layout : {Layout::raiiaf, Layout::gen5})
                for (Codec codec : {Codec::raw, Codec::zfp, Codec::zstd, Codec::shuffle_zstd}) {
                    if (codec == Codec::zfp && layout == Layout::gen5) continue;  // GEN5 has no zfp
                    const std::string what = std::string(name) + " " + std::string(dtype_name(dtype)) + " " +
                                             std::string(layout_name(layout)) + " " + std::string(codec_name(codec));
                    expect_round_trip(smooth_tensor(dtype, shape), codec, layout, what + " smooth");
                    expect_round_trip(random_tensor(dtype, shape, 3), codec, layout, what + " noise");
                }
}

TEST(CodecShapes, IssueShapesWithZfpAreReadable) {
    // 1x16x128x128 and 1x4x192x192 were written but then refused by every reader.
    for (const Shape& shape : {Shape{1, 16, 128, 128}, Shape{1, 4, 192, 192}}) {
        expect_round_trip(smooth_tensor(DType::float32, shape), Codec::zfp, Layout::raiiaf, "smooth float32");
        expect_round_trip(smooth_tensor(DType::float16, shape), Codec::zfp, Layout::raiiaf, "smooth float16");
        expect_round_trip(zero_tensor(DType::float32, shape), Codec::zfp, Layout::raiiaf, "zeros");
    }
}

TEST(CodecShapes, NoiseIsStoredRawNotExpanded) {
    // zfp "lossless" codes Gaussian noise at about 3.8x raw.
    ArtifactContent content = sample_content();
    const Tensor noise = random_tensor(DType::float32, {1, 4, 64, 64}, 11);
    content.latents = {{"noise", noise, Codec::zfp}};
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    EXPECT_EQ(reader.latents()[0].codec, Codec::raw);
    EXPECT_EQ(reader.latents()[0].stored_size, kChunkHeaderSize + noise.bytes().size());
    EXPECT_EQ(reader.header().version_minor, 0) << "a raw fallback needs no extension";

    // Random bytes do not compress under zstd either (GEN5's native codec).
    const Tensor bytes = random_tensor(DType::uint8, {1, 4, 64, 64}, 12);
    content.latents = {{"bytes", bytes, Codec::zstd}};
    const Reader gen5 = Reader::from_bytes(Bytes(encode(content, {.layout = Layout::gen5})));
    EXPECT_EQ(gen5.latents()[0].codec, Codec::raw);
    EXPECT_EQ(gen5.latents()[0].stored_size, kChunkHeaderSize + bytes.bytes().size());
}

TEST(CodecShapes, SmoothLatentWithUnitAxisCompressesUnderZfp) {
    // Coded with its size-1 axis, zfp pads every 4-D block 4x and expands this
    // latent (3.5x raw); without it, the stream is smaller than raw.
    ArtifactContent content = sample_content();
    const Tensor latent = smooth_tensor(DType::float32, {1, 4, 128, 128});
    content.latents = {{"latent", latent, Codec::zfp}};
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    EXPECT_EQ(reader.latents()[0].codec, Codec::zfp);
    EXPECT_LT(reader.latents()[0].stored_size, latent.bytes().size());
}

// A lossless stream as zfpy.compress_numpy writes it: every numpy axis a zfp
// dimension (reversed), size-1 axes included.
std::vector<std::byte> zfpy_style_stream(const Tensor& tensor) {
    const Shape& s = tensor.shape();
    zfp_field* field = zfp_field_4d(const_cast<std::byte*>(tensor.bytes().data()), zfp_type_float, s[3], s[2], s[1],
                                    s[0]);
    zfp_stream* stream = zfp_stream_open(nullptr);
    zfp_stream_set_reversible(stream);
    std::vector<std::byte> buffer(zfp_stream_maximum_size(stream, field));
    bitstream* bits = stream_open(buffer.data(), buffer.size());
    zfp_stream_set_bit_stream(stream, bits);
    zfp_write_header(stream, field, ZFP_HEADER_FULL);
    const std::size_t size = zfp_compress(stream, field);
    stream_close(bits);
    zfp_stream_close(stream);
    zfp_field_free(field);
    buffer.resize(size);
    return buffer;
}

TEST(CodecShapes, ZfpyStreamsWithUnitAxesDecode) {
    for (const Shape& shape : {Shape{1, 16, 128, 128}, Shape{1, 4, 192, 192}, Shape{1, 4, 64, 64}}) {
        for (const Tensor& original : {smooth_tensor(DType::float32, shape), random_tensor(DType::float32, shape, 5)}) {
            const auto stream = zfpy_style_stream(original);
            const Tensor decoded = detail::zfp_decode_tensor(stream, DType::float32, shape);
            EXPECT_TRUE(std::ranges::equal(decoded.bytes(), original.bytes()));
        }
    }
}

TEST(CodecShapes, ZfpStreamOfAnotherShapeIsRefused) {
    const Tensor original = smooth_tensor(DType::float32, {1, 4, 64, 64});
    const auto stream = zfpy_style_stream(original);
    EXPECT_THROW((void)detail::zfp_decode_tensor(stream, DType::float32, {4, 1, 64, 64}), detail::CodecError);
    EXPECT_THROW((void)detail::zfp_decode_tensor(stream, DType::float32, {1, 4, 32, 128}), detail::CodecError);
}

}  // namespace
}  // namespace raiiaf
