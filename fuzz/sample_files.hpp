// Small, deterministic artifacts in every layout and codec, built with the
// library's own writer. They seed the fuzz corpora (make_seeds.cpp) and are
// the subjects of the bit-flip integrity test (tests/integrity).
#pragma once

#include <zlib.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "format/chunk.hpp"
#include "format/sha256.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/writer.hpp"

namespace raiiaf::samples {

// A valid 4x4 8-bit grey PNG (signature, IHDR, IDAT, IEND, real CRCs).
inline std::vector<std::byte> tiny_png() {
    std::vector<unsigned char> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    const auto put32 = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<unsigned char>(v >> shift));
    };
    const auto chunk = [&](const char* type, const std::vector<unsigned char>& data) {
        put32(static_cast<std::uint32_t>(data.size()));
        const std::size_t start = png.size();
        png.insert(png.end(), type, type + 4);
        png.insert(png.end(), data.begin(), data.end());
        put32(static_cast<std::uint32_t>(crc32(0, png.data() + start, static_cast<uInt>(png.size() - start))));
    };
    chunk("IHDR", {0, 0, 0, 4, 0, 0, 0, 4, 8, 0, 0, 0, 0});  // 4x4, depth 8, grey
    std::vector<unsigned char> raw;
    for (int y = 0; y < 4; ++y) {
        raw.push_back(0);  // filter: none
        for (int x = 0; x < 4; ++x) raw.push_back(static_cast<unsigned char>(x * 60 + y * 5));
    }
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<unsigned char> deflated(size);
    compress(deflated.data(), &size, raw.data(), static_cast<uLong>(raw.size()));
    deflated.resize(size);
    chunk("IDAT", deflated);
    chunk("IEND", {});
    std::vector<std::byte> out(png.size());
    std::memcpy(out.data(), png.data(), png.size());
    return out;
}

// Smooth values (so the compressing codecs really compress) of any dtype.
inline Tensor smooth_tensor(DType dtype, Shape shape, double phase = 0.0) {
    const std::uint64_t count = element_count(shape).value();
    const std::size_t size = dtype_size(dtype);
    std::vector<std::byte> bytes(count * size);
    for (std::uint64_t i = 0; i < count; ++i) {
        const double value = std::sin(0.05 * static_cast<double>(i) + phase) * 2.0;
        std::byte* p = bytes.data() + i * size;
        switch (dtype) {
        case DType::float32: { const float f = static_cast<float>(value); std::memcpy(p, &f, 4); break; }
        case DType::float64: std::memcpy(p, &value, 8); break;
        case DType::float16:
        case DType::bfloat16: {
            const float f = static_cast<float>(value);
            std::uint32_t b = 0;
            std::memcpy(&b, &f, 4);
            std::uint16_t half = 0;
            if (dtype == DType::bfloat16) {
                half = static_cast<std::uint16_t>(b >> 16);
            } else {  // |value| <= 2: normal or zero float16, truncated mantissa
                const std::uint32_t sign = (b >> 16) & 0x8000u;
                const int exponent = static_cast<int>((b >> 23) & 0xFF) - 127 + 15;
                half = exponent <= 0 ? static_cast<std::uint16_t>(sign)
                                     : static_cast<std::uint16_t>(sign | (exponent << 10) | ((b >> 13) & 0x3FFu));
            }
            std::memcpy(p, &half, 2);
            break;
        }
        case DType::boolean: *p = std::byte(value > 0 ? 1 : 0); break;
        case DType::int8: case DType::uint8: *p = std::byte(static_cast<unsigned char>(value * 40)); break;
        case DType::int16: { const std::int16_t v = static_cast<std::int16_t>(value * 1000); std::memcpy(p, &v, 2); break; }
        case DType::int32: { const std::int32_t v = static_cast<std::int32_t>(value * 100000); std::memcpy(p, &v, 4); break; }
        case DType::int64: { const std::int64_t v = static_cast<std::int64_t>(value * 1e9); std::memcpy(p, &v, 8); break; }
        }
    }
    return Tensor(dtype, std::move(shape), Bytes(std::move(bytes)));
}

inline ModelInfo sample_model() {
    ModelInfo model;
    model.model_name = "Stable Diffusion 3";
    model.version = "3.0";
    model.date = "2026-11-23T10:00:00.000000+00:00";
    model.prompt = "a cat in neon goggles \xC3\xA9\xE2\x9C\x93";
    model.tags = {"cat", "neon"};
    model.generation_settings = Json{{"seed", 1337}, {"steps", 30}, {"sampler", "euler"}, {"cfg", 7.5}};
    return model;
}

inline Environment sample_environment() {
    return {1, {{"python", "name=python;version=3.11.2"}, {"os", "name=os;version=Linux 6.1.0-18-amd64"}}};
}

// A chunk of a type this library does not know, copied as stored.
inline StoredChunk unknown_chunk() {
    const std::string payload = "opaque bytes of an unknown chunk type";
    const auto span = std::as_bytes(std::span(payload.data(), payload.size()));
    StoredChunk chunk;
    chunk.record.type = "XTRA";
    chunk.record.flags = "0000";
    chunk.record.uncompressed_size = payload.size();
    chunk.record.compressed_size = kChunkHeaderSize + payload.size();
    chunk.record.hash = detail::sha256_hex(span);
    chunk.record.extra = Json{{"note", "kept by rewrites"}};
    chunk.record.compressed = false;
    chunk.record.len_header = kChunkHeaderSize;
    chunk.record.len_data = payload.size();
    const auto header = detail::encode_chunk_header("XTRA", "0000", static_cast<std::uint32_t>(payload.size()));
    std::vector<std::byte> stored(header.begin(), header.end());
    stored.insert(stored.end(), span.begin(), span.end());
    chunk.stored = Bytes(std::move(stored));
    return chunk;
}

struct SampleFile {
    std::string name;
    std::vector<std::byte> bytes;
};

// The two files the integrity test flips bits in: every codec each layout
// has, an image, an ENVC (and, in RAIIAF, a chunk of unknown type).
inline std::vector<SampleFile> integrity_files() {
    std::vector<SampleFile> files;
    {
        ArtifactContent content;
        content.model = sample_model();
        content.latents.emplace_back("raw_f32", smooth_tensor(DType::float32, {1, 2, 4, 4}), Codec::raw);
        content.latents.emplace_back("zfp_f32", smooth_tensor(DType::float32, {1, 2, 4, 4}, 1.0), Codec::zfp);
        content.latents.emplace_back("zfp_f16", smooth_tensor(DType::float16, {2, 4, 4}, 2.0), Codec::zfp);
        content.latents.emplace_back("zfp_f64_lossy", smooth_tensor(DType::float64, {4, 4}, 3.0), Codec::zfp, 1e-3);
        content.latents.emplace_back("zstd_i16", smooth_tensor(DType::int16, {1, 64}), Codec::zstd);
        content.latents.emplace_back("shuffle_f32", smooth_tensor(DType::float32, {1, 64}, 4.0), Codec::shuffle_zstd);
        content.image = ImageInput{Bytes(tiny_png()), Json{{"seed", 1337}}};
        content.stored_chunks.push_back(unknown_chunk());
        content.environment = sample_environment();
        files.push_back({"raiiaf_mixed", encode(content, {.layout = Layout::raiiaf})});
    }
    {
        ArtifactContent content;
        content.model = sample_model();
        content.latents.emplace_back("raw_f32", smooth_tensor(DType::float32, {1, 2, 4, 4}), Codec::raw);
        content.latents.emplace_back("zstd_f32", smooth_tensor(DType::float32, {1, 2, 4, 4}, 1.0), Codec::zstd);
        content.latents.emplace_back("zstd_f16", smooth_tensor(DType::float16, {1, 2, 4, 4}, 2.0), Codec::zstd);
        content.latents.emplace_back("shuffle_f32", smooth_tensor(DType::float32, {1, 64}, 4.0), Codec::shuffle_zstd);
        content.image = ImageInput{Bytes(tiny_png()), Json::object()};
        content.environment = sample_environment();
        files.push_back({"gen5_mixed", encode(content, {.layout = Layout::gen5})});
    }
    return files;
}

// More variety for the fuzz seeds: every dtype, ranks 0..8, zero-sized axes,
// float16 conversion, files without image or latents.
inline std::vector<SampleFile> seed_files() {
    std::vector<SampleFile> files = integrity_files();
    const auto add = [&](const std::string& name, const ArtifactContent& content, const WriteOptions& options) {
        files.push_back({name, encode(content, options)});
    };
    for (const Layout layout : {Layout::raiiaf, Layout::gen5}) {
        const std::string prefix = layout == Layout::raiiaf ? "raiiaf_" : "gen5_";
        {
            ArtifactContent content;
            content.model = sample_model();
            content.model.generation_settings.reset();
            content.model.hardware_info = Json{{"os", "Linux"}, {"cpu_cores", 2}, {"gpu", Json::array({Json{{"name", "none"}}})}};
            content.model.extra = Json{{"custom", Json::array({1, 2, 3})}};
            const DType dtypes[] = {DType::float16, DType::bfloat16, DType::float64, DType::int8,
                                    DType::int32,   DType::int64,    DType::uint8,   DType::boolean};
            int n = 0;
            for (const DType dtype : dtypes) content.latents.emplace_back("t" + std::to_string(n++), smooth_tensor(dtype, {3, 5}));
            content.latents.emplace_back("scalar", smooth_tensor(DType::float32, {}));
            content.latents.emplace_back("rank1", smooth_tensor(DType::float32, {7}), Codec::shuffle_zstd);
            content.latents.emplace_back("rank6", smooth_tensor(DType::float32, {1, 2, 1, 2, 2, 3}),
                                         layout == Layout::raiiaf ? Codec::zfp : Codec::zstd);
            content.latents.emplace_back("rank8", smooth_tensor(DType::float32, {1, 1, 2, 1, 1, 2, 1, 2}));
            content.latents.emplace_back("empty", smooth_tensor(DType::float32, {1, 0, 4}), Codec::zstd);
            content.environment = Environment{1, {}};
            add(prefix + "dtypes_ranks", content, {.layout = layout});
        }
        {
            ArtifactContent content;
            content.model = sample_model();
            content.latents.emplace_back("initial_noise", smooth_tensor(DType::float32, {1, 4, 4, 4}));
            content.environment = sample_environment();
            add(prefix + "f16_conversion", content,
                {.layout = layout, .codec = layout == Layout::raiiaf ? Codec::zfp : Codec::zstd, .float16 = true});
        }
        {
            ArtifactContent content;
            content.model = sample_model();
            content.model.tags.clear();
            content.image = ImageInput{Bytes(tiny_png()), Json::object()};
            content.environment = sample_environment();
            add(prefix + "image_only", content, {.layout = layout});
        }
        {
            ArtifactContent content;
            content.model = sample_model();
            content.environment = Environment{0, {}};
            add(prefix + "empty", content, {.layout = layout});
        }
    }
    return files;
}

}  // namespace raiiaf::samples
