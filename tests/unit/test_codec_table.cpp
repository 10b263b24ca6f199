// The codec table (include/raiiaf/codec.hpp, src/codecs/codec_table.cpp): every
// codec round-trips every dtype it claims in every layout it claims, what it
// does not claim is refused with a typed error, and a codec that would expand
// the payload is replaced by raw.
#include <gtest/gtest.h>

#include <set>

#include "codecs/codec_table.hpp"
#include "codecs/zstd_codec.hpp"
#include "expect_error.hpp"
#include "format/chunk.hpp"
#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::random_tensor;
using testing::sample_content;
using testing::thrown_message;

constexpr std::array<DType, 10> kAllDTypes{DType::float16, DType::bfloat16, DType::float32, DType::float64,
                                           DType::int8,    DType::int16,    DType::int32,   DType::int64,
                                           DType::uint8,   DType::boolean};
constexpr std::array<Layout, 2> kLayouts{Layout::raiiaf, Layout::gen5};

// Values every codec compresses: a slowly changing ramp of small integers,
// exact in every dtype (0 or 1 for bool).
Tensor compressible_tensor(DType dtype, const Shape& shape) {
    const std::uint64_t count = element_count(shape).value();
    const std::size_t size = dtype_size(dtype);
    std::vector<std::byte> values(count * size);
    for (std::uint64_t i = 0; i < count; ++i) {
        const unsigned value = dtype == DType::boolean ? unsigned(i / 64 % 2) : unsigned(i / 16 % 8);
        std::byte* p = values.data() + i * size;
        const float single = float(value);
        const double wide = value;
        std::uint32_t bits = 0;
        std::memcpy(&bits, &single, 4);
        const auto upper = static_cast<std::uint16_t>(bits >> 16);  // bfloat16: exact for small integers
        switch (dtype) {
        case DType::float32: std::memcpy(p, &single, 4); break;
        case DType::float64: std::memcpy(p, &wide, 8); break;
        case DType::bfloat16: std::memcpy(p, &upper, 2); break;
        case DType::float16: break;  // below
        default: *p = std::byte(value);  // little-endian, the other bytes 0
        }
    }
    if (dtype != DType::float16) return Tensor(dtype, shape, Bytes(std::move(values)));
    std::vector<std::byte> singles(count * 4);
    for (std::uint64_t i = 0; i < count; ++i) {
        const float single = float(i / 16 % 8);
        std::memcpy(singles.data() + i * 4, &single, 4);
    }
    return convert_dtype(Tensor(DType::float32, shape, Bytes(std::move(singles))), DType::float16);
}

Bytes envelope_of(const Tensor& tensor) {
    return Bytes::copy_of(detail::encode_chunk_header(kLatentType, detail::latent_flags(tensor.dtype()),
                                                      static_cast<std::uint32_t>(tensor.bytes().size())));
}

std::vector<std::byte> stored_bytes(const detail::EncodedPayload& encoded) {
    std::vector<std::byte> out;
    for (const auto& piece : encoded.pieces) out.insert(out.end(), piece.span().begin(), piece.span().end());
    return out;
}

std::vector<DType> claimed_dtypes(const CodecInfo& codec) {
    if (codec.dtypes.empty()) return {kAllDTypes.begin(), kAllDTypes.end()};
    return {codec.dtypes.begin(), codec.dtypes.end()};
}

TEST(CodecTable, IsIndexedByCodecAndNamesAreUnique) {
    std::set<std::string_view> names;
    ASSERT_FALSE(codec_table().empty());
    for (const CodecInfo& codec : codec_table()) {
        EXPECT_EQ(&codec_info(codec.codec), &codec_table()[static_cast<std::size_t>(codec.codec)]);
        EXPECT_TRUE(names.insert(codec.name).second) << codec.name;
        EXPECT_EQ(codec_name(codec.codec), codec.name);
        EXPECT_EQ(codec_from_name(codec.name), codec.codec);
        EXPECT_FALSE(codec.summary.empty());
        // What the existing package reads unnamed, the layout holds.
        for (const Layout layout : kLayouts) {
            if (codec_read_by_existing_package(codec.codec, layout)) {
                EXPECT_TRUE(codec_in_layout(codec.codec, layout));
            }
        }
        // A stand-in is what every layout holds.
        for (const Layout layout : kLayouts) EXPECT_TRUE(codec_in_layout(codec_for_layout(codec.codec, layout), layout));
    }
    EXPECT_FALSE(codec_from_name("lz4"));
    EXPECT_EQ(codec_names_text(), "raw, zfp, zstd or shuffle-zstd");
}

TEST(CodecTable, EachLayoutReadsOneCompressedCodecUnnamed) {
    for (const Layout layout : kLayouts) {
        int unnamed = 0;
        for (const CodecInfo& codec : codec_table())
            unnamed += codec.compresses && codec_read_by_existing_package(codec.codec, layout);
        EXPECT_EQ(unnamed, 1) << layout_name(layout);
    }
    EXPECT_EQ(implicit_compressed_codec(Layout::raiiaf), Codec::zfp);
    EXPECT_EQ(implicit_compressed_codec(Layout::gen5), Codec::zstd);
    EXPECT_EQ(codec_for_layout(Codec::zfp, Layout::gen5), Codec::zstd);
    EXPECT_EQ(codec_for_layout(Codec::zfp, Layout::raiiaf), Codec::zfp);
}

TEST(CodecTable, ChunkCodecReadsTheRecord) {
    ChunkRecord latent;
    latent.type = std::string(kLatentType);
    EXPECT_EQ(chunk_codec(latent, Layout::raiiaf), Codec::raw);
    latent.compressed = true;
    EXPECT_EQ(chunk_codec(latent, Layout::raiiaf), Codec::zfp);
    EXPECT_EQ(chunk_codec(latent, Layout::gen5), Codec::zstd);
    latent.extra["codec"] = "shuffle-zstd";
    EXPECT_EQ(chunk_codec(latent, Layout::raiiaf), Codec::shuffle_zstd);
    ChunkRecord image;
    image.type = std::string(kImageType);
    image.compressed = true;
    EXPECT_EQ(chunk_codec(image, Layout::raiiaf), Codec::zstd);  // chunks other than latents: zstd envelopes
}

// Through the codec table directly and through a whole file, bit-exact.
TEST(CodecTable, EveryCodecRoundTripsEveryDtypeItClaims) {
    const Shape shape{1, 4, 16, 16};
    for (const CodecInfo& codec : codec_table()) {
        for (const DType dtype : claimed_dtypes(codec)) {
            SCOPED_TRACE(std::string(codec.name) + " " + std::string(dtype_name(dtype)));
            const Tensor original = compressible_tensor(dtype, shape);
            const auto encoded = detail::encode_payload(codec.codec, original, envelope_of(original));
            EXPECT_EQ(encoded.codec, codec.codec) << "compressible values fell back to raw";
            EXPECT_EQ(encoded.compressed(), codec.compresses);
            const auto stored = stored_bytes(encoded);
            std::size_t envelopes_checked = 0;
            detail::DecodeRequest request;
            request.stored = stored;
            request.payload_size = original.bytes().size();
            request.dtype = dtype;
            request.shape = shape;
            request.len_header = encoded.len_header;
            request.copy = true;
            request.check_envelope = [&](std::span<const std::byte, kChunkHeaderSize> envelope) {
                EXPECT_TRUE(std::equal(envelope.begin(), envelope.end(), envelope_of(original).span().begin()));
                ++envelopes_checked;
            };
            const Bytes decoded = detail::decode_payload(encoded.codec, request);
            EXPECT_EQ(envelopes_checked, 1u);
            ASSERT_EQ(decoded.size(), original.bytes().size());
            EXPECT_TRUE(std::equal(decoded.span().begin(), decoded.span().end(), original.bytes().begin()));

            for (const Layout layout : kLayouts) {
                if (!codec_in_layout(codec.codec, layout)) continue;
                SCOPED_TRACE(layout_name(layout));
                ArtifactContent content = sample_content();
                content.latents = {{"ramp", original, codec.codec}};
                const auto file = encode(content, {.layout = layout});
                const Reader reader = Reader::from_bytes(Bytes(file), {.verify_hashes = true, .verify_sha256 = true});
                ASSERT_EQ(reader.latents().size(), 1u);
                EXPECT_EQ(reader.latents()[0].codec, codec.codec);
                const Tensor back = reader.load_latent(0);
                EXPECT_EQ(back.dtype(), dtype);
                EXPECT_EQ(back.shape(), shape);
                EXPECT_TRUE(std::equal(back.bytes().begin(), back.bytes().end(), original.bytes().begin()));
            }
        }
    }
}

TEST(CodecTable, WhatACodecDoesNotClaimIsRefusedWithATypedError) {
    for (const CodecInfo& codec : codec_table()) {
        for (const DType dtype : kAllDTypes) {
            const bool claims_dtype = codec_codes_dtype(codec.codec, dtype);
            const std::vector<DType> claimed = claimed_dtypes(codec);
            EXPECT_EQ(claims_dtype, std::find(claimed.begin(), claimed.end(), dtype) != claimed.end());
            for (const Layout layout : kLayouts) {
                SCOPED_TRACE(std::string(codec.name) + " " + std::string(dtype_name(dtype)) + " " +
                             std::string(layout_name(layout)));
                const bool claimed_here = claims_dtype && codec_in_layout(codec.codec, layout);
                EXPECT_EQ(codec_refusal(codec.codec, layout, dtype).has_value(), !claimed_here);
                if (claimed_here) continue;
                ArtifactContent content = sample_content();
                content.latents = {{"refused", compressible_tensor(dtype, {1, 4, 8, 8}), codec.codec}};
                const std::string message =
                    thrown_message<InvalidArgument>([&] { (void)encode(content, {.layout = layout}); });
                EXPECT_MESSAGE_HAS(message, "latent \"refused\"");
                EXPECT_MESSAGE_HAS(message, *codec_refusal(codec.codec, layout, dtype));
            }
        }
    }
    EXPECT_EQ(codec_refusal(Codec::zfp, Layout::gen5),
              "zfp is not available in the gen5 format (use zstd or shuffle-zstd)");
    EXPECT_EQ(codec_refusal(Codec::zfp, Layout::raiiaf, DType::int8),
              "zfp codes float16, float32 and float64 latents only, not int8");
    const Tensor ints = compressible_tensor(DType::int16, {64});
    EXPECT_THROW((void)detail::encode_payload(Codec::zfp, ints, envelope_of(ints)), InvalidArgument);
}

TEST(CodecTable, ToleranceGoesToTheCodecThatTakesOne) {
    const Tensor values = compressible_tensor(DType::float32, {1, 4, 16, 16});
    for (const CodecInfo& codec : codec_table()) {
        SCOPED_TRACE(codec.name);
        if (!codec.takes_tolerance) {
            EXPECT_THROW((void)detail::encode_payload(codec.codec, values, envelope_of(values), 0.01), InvalidArgument);
            continue;
        }
        for (const double bad : {0.0, -1.0, std::numeric_limits<double>::infinity()})
            EXPECT_THROW((void)detail::encode_payload(codec.codec, values, envelope_of(values), bad), InvalidArgument);
        const auto lossy = detail::encode_payload(codec.codec, values, envelope_of(values), 0.5);
        EXPECT_EQ(lossy.tolerance, 0.5);
        ASSERT_TRUE(lossy.decoded.has_value());  // what the hash covers
        EXPECT_EQ(lossy.decoded->size(), values.bytes().size());
    }
}

TEST(CodecTable, ACodecThatWouldExpandThePayloadStoresRaw) {
    EXPECT_TRUE(detail::raw_is_no_larger(kChunkHeaderSize + 100, 100));
    EXPECT_TRUE(detail::raw_is_no_larger(kChunkHeaderSize + 101, 100));
    EXPECT_FALSE(detail::raw_is_no_larger(kChunkHeaderSize + 99, 100));

    // Random bytes: no codec makes them smaller.
    const Tensor noise = random_tensor(DType::uint8, {1, 4, 32, 32}, 3);
    const Tensor empty(DType::float32, {1, 0, 8}, Bytes(std::vector<std::byte>{}));
    for (const CodecInfo& codec : codec_table()) {
        SCOPED_TRACE(codec.name);
        for (const Tensor* tensor : {&noise, &empty}) {
            if (!codec_codes_dtype(codec.codec, tensor->dtype())) continue;
            const auto encoded = detail::encode_payload(codec.codec, *tensor, envelope_of(*tensor));
            EXPECT_EQ(encoded.codec, Codec::raw);
            EXPECT_FALSE(encoded.compressed());
            EXPECT_EQ(encoded.stored_size(), kChunkHeaderSize + tensor->bytes().size());
            EXPECT_FALSE(encoded.len_header.has_value());
        }
        // In a file: an uncompressed record without a codec name, which the existing package reads.
        // (zfp's lossless mode expands normal noise too.)
        const Tensor incompressible =
            codec_codes_dtype(codec.codec, DType::uint8) ? noise : random_tensor(DType::float32, {1, 4, 16, 16}, 5);
        ArtifactContent content = sample_content();
        content.latents = {{"noise", incompressible, codec.codec}};
        WriteResult written;
        const auto file = encode(content, {}, written);
        const Reader reader = Reader::from_bytes(Bytes(file));
        EXPECT_EQ(reader.latents()[0].codec, Codec::raw);
        EXPECT_EQ(reader.latents()[0].stored_size, kChunkHeaderSize + incompressible.bytes().size());
        const ChunkRecord& record = reader.chunks()[reader.latents()[0].chunk_index];
        EXPECT_FALSE(record.compressed);
        EXPECT_FALSE(record.extra.contains("codec"));
        EXPECT_EQ(written.extensions, extensions_used(reader));
        for (const auto& extension : written.extensions) EXPECT_EQ(extension.find("codec"), std::string::npos);
    }
}

TEST(CodecTable, StoredFrameSizeIsPredicted) {
    for (const std::size_t size : {0u, 1u, 255u, 256u, 257u, 65791u, 65792u, 131072u, 131073u, 300000u}) {
        const std::vector<std::byte> content(size, std::byte{7});
        EXPECT_EQ(detail::zstd_stored_size(size), detail::zstd_store({std::span<const std::byte>(content)}).size())
            << size;
    }
}

TEST(WriteResult, SaysWhatTheWrittenFileHolds) {
    ArtifactContent content = sample_content();
    content.latents.push_back({"shuffled", compressible_tensor(DType::float32, {1, 4, 8, 8}), Codec::shuffle_zstd});
    content.latents.push_back({"plain", compressible_tensor(DType::float16, {1, 4, 8, 8}), Codec::zfp});
    for (const Layout layout : kLayouts) {
        SCOPED_TRACE(layout_name(layout));
        WriteResult written;
        const auto file = encode(content, {.layout = layout, .codec = Codec::zstd}, written);
        const Reader reader = Reader::from_bytes(Bytes(file));
        EXPECT_EQ(written.layout, layout);
        EXPECT_EQ(written.file_size, file.size());
        EXPECT_EQ(written.chunk_count, reader.chunks().size());
        EXPECT_EQ(written.version_major, reader.header().version_major);
        EXPECT_EQ(written.version_minor, reader.header().version_minor);
        EXPECT_EQ(written.version_minor, 1);
        EXPECT_EQ(written.extensions, extensions_used(reader));
        EXPECT_FALSE(written.extensions.empty());
        content.latents.pop_back();  // zfp: RAIIAF only
    }
    const auto path = std::filesystem::path(::testing::TempDir()) / "write_result.raiiaf";
    ArtifactContent plain = sample_content();
    const WriteResult written = write_file(path, plain);
    EXPECT_EQ(written.file_size, std::filesystem::file_size(path));
    EXPECT_TRUE(written.extensions.empty());
    EXPECT_EQ(written.extensions, extensions_used(Reader::open(path)));
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace raiiaf
