// Google Benchmark for raiiaf's C++ paths, and the bounds they are held to.
//
// bench/run.sh is the one command: it builds this, runs it, runs
// bench_python.py and the CLI timing, and bench/report.py prints the table.
// This program writes two files: Google Benchmark's JSON (--benchmark_out)
// and, with --metrics=FILE, the figures that are sizes rather than times
// (codec ratios, entropy bounds, lossy zfp errors, workload sizes).
//
// Every timing is wall-clock (UseRealTime): the writer encodes on all cores.
// Codecs are timed alone through the library's internal codec functions
// (src/codecs), called the way src/format/writer.cpp and reader.cpp call
// them, and end to end through encode() / Reader; the metrics file
// cross-checks that the codec-alone output has the size encode() stores.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <raiiaf/raiiaf.hpp>

#include "codecs/shuffle.hpp"
#include "codecs/zfp_codec.hpp"
#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "rgb_png.hpp"

namespace fs = std::filesystem;
using raiiaf::ArtifactContent;
using raiiaf::Bytes;
using raiiaf::Codec;
using raiiaf::DType;
using raiiaf::Json;
using raiiaf::Reader;
using raiiaf::ReadOptions;
using raiiaf::Shape;
using raiiaf::Tensor;

namespace {

// ---- settings -----------------------------------------------------------

fs::path g_workdir;          // temporary files (written once, removed at exit unless --keep)
bool g_keep_files = false;

// What the writer uses for shuffle-zstd (src/format/writer.cpp,
// kShuffleZstdLevel) and for zstd latents (zstd_compress's default). The
// metrics cross-check flags a drift between these and what encode() stores.
constexpr int kShuffleZstdLevel = 1;
constexpr int kZstdLevel = 3;

// ---- data ---------------------------------------------------------------

std::uint64_t count_of(const Shape& shape) {
    std::uint64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

Tensor float_tensor(const Shape& shape, const std::vector<float>& values) {
    std::vector<std::byte> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return Tensor(DType::float32, shape, Bytes(std::move(bytes)));
}

// N(0, 1), as diffusion pipelines draw their initial noise.
Tensor gaussian(const Shape& shape, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> values(count_of(shape));
    for (auto& v : values) v = normal(rng);
    return float_tensor(shape, values);
}

// A smooth latent: per channel, eight random low-frequency 2-D cosines
// (wavelengths 16..128 samples), plus N(0, 0.02) noise.
Tensor smooth(const Shape& shape, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::normal_distribution<float> fine(0.0f, 0.02f);
    const std::uint64_t height = shape[shape.size() - 2], width = shape.back();
    const std::uint64_t planes = count_of(shape) / (height * width);
    std::vector<float> values(count_of(shape));
    constexpr double kPi = 3.14159265358979323846;
    for (std::uint64_t p = 0; p < planes; ++p) {
        struct Wave { double fx, fy, phase, amplitude; };
        std::vector<Wave> waves;
        for (int k = 0; k < 8; ++k) {
            const double wavelength = 16.0 + 112.0 * uniform(rng), angle = 2 * kPi * uniform(rng);
            waves.push_back({std::cos(angle) / wavelength, std::sin(angle) / wavelength, 2 * kPi * uniform(rng),
                             0.5 * uniform(rng)});
        }
        for (std::uint64_t y = 0; y < height; ++y)
            for (std::uint64_t x = 0; x < width; ++x) {
                double v = 0;
                for (const auto& w : waves) v += w.amplitude * std::cos(2 * kPi * (w.fx * x + w.fy * y) + w.phase);
                values[(p * height + y) * width + x] = static_cast<float>(v) + fine(rng);
            }
    }
    return float_tensor(shape, values);
}

// An RGB PNG that compresses like a photograph of moderate detail: smooth
// gradients plus per-pixel noise of +-amplitude (1024x1024 at 12 gives ~2 MB).
std::vector<std::byte> make_png(std::uint32_t width, std::uint32_t height, int amplitude, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> noise(-amplitude, amplitude);
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
    for (std::uint32_t y = 0; y < height; ++y)
        for (std::uint32_t x = 0; x < width; ++x) {
            const double u = double(x) / width, v = double(y) / height;
            const int base[3] = {int(40 + 170 * u), int(30 + 180 * v), int(128 + 90 * std::sin(6.0 * (u + v)))};
            for (int c = 0; c < 3; ++c)
                rgb[(std::size_t(y) * width + x) * 3 + c] =
                    static_cast<std::uint8_t>(std::clamp(base[c] + noise(rng), 0, 255));
        }
    return raiiaf::tools::encode_rgb_png(rgb, width, height);
}

const std::vector<std::byte>& png_1024() {
    static const auto png = make_png(1024, 1024, 12, 7);
    return png;
}

// The entropy bound for IEEE floats: the empirical entropy of the
// sign+exponent field plus the mantissa bits, over the element's bits.
double entropy_bound(const Tensor& tensor) {
    const bool half = tensor.dtype() == DType::float16;
    const int mantissa = half ? 10 : 23, bits = half ? 16 : 32;
    std::vector<std::uint64_t> histogram(std::size_t(1) << (bits - mantissa), 0);
    const auto* data = tensor.bytes().data();
    const std::uint64_t n = tensor.element_count();
    for (std::uint64_t i = 0; i < n; ++i) {
        std::uint32_t word = 0;
        if (half) {
            std::uint16_t h;
            std::memcpy(&h, data + 2 * i, 2);
            word = h;
        } else {
            std::memcpy(&word, data + 4 * i, 4);
        }
        ++histogram[word >> mantissa];
    }
    double entropy = 0;
    for (auto count : histogram)
        if (count) {
            const double p = double(count) / double(n);
            entropy -= p * std::log2(p);
        }
    return (entropy + mantissa) / bits;
}

// ---- workloads ----------------------------------------------------------

struct Workload {
    ArtifactContent content;
    std::uint64_t payload_bytes = 0;  // image + tensor bytes
    fs::path file;                    // written once, for the decode benchmarks
};

ArtifactContent artifact(std::vector<raiiaf::LatentInput> latents, const std::vector<std::byte>* png) {
    ArtifactContent content;
    content.model.model_name = "bench";
    content.model.version = "1.0";
    content.model.prompt = "a lighthouse at dusk, volumetric fog";
    content.model.tags = {"bench"};
    content.model.generation_settings = Json{{"seed", 1337}, {"steps", 30}, {"sampler", "euler"}};
    content.latents = std::move(latents);
    if (png) content.image = raiiaf::ImageInput{Bytes::copy_of(*png)};
    return content;
}

std::uint64_t payload_of(const ArtifactContent& content) {
    std::uint64_t total = content.image ? content.image->bytes.size() : 0;
    for (const auto& latent : content.latents) total += latent.tensor.bytes().size();
    return total;
}

Workload make_workload(const std::string& name, const Shape& shape, bool with_image, std::uint64_t seed) {
    Workload w;
    w.content = artifact({{"initial_noise", gaussian(shape, seed)}}, with_image ? &png_1024() : nullptr);
    w.payload_bytes = payload_of(w.content);
    w.file = g_workdir / (name + ".raiiaf");
    raiiaf::write_file(w.file, w.content);
    return w;
}

// W1: SD1.5/SDXL-like: a 1024x1024 PNG (~2 MB) + 1x4x128x128 float32 noise.
const Workload& w1() {
    static const Workload w = make_workload("w1", {1, 4, 128, 128}, true, 1);
    return w;
}
// W2: SD3/Flux-sized latent 1x16x128x128 float32, latent only.
const Workload& w2() {
    static const Workload w = make_workload("w2", {1, 16, 128, 128}, false, 2);
    return w;
}
// W3: a video latent 1x16x21x60x104 float32 (~8 MiB) + the PNG.
const Workload& w3() {
    static const Workload w = make_workload("w3", {1, 16, 21, 60, 104}, true, 3);
    return w;
}

// W4: 1000 small artifacts: a 64x64 PNG and 1x4x8x8 float32 latent each.
constexpr int kSmallCount = 1000;
struct SmallSet {
    std::vector<ArtifactContent> contents;
    std::vector<fs::path> files;
    std::uint64_t payload_bytes = 0;
};
const SmallSet& w4() {
    static const SmallSet set = [] {
        SmallSet s;
        const fs::path dir = g_workdir / "w4";
        fs::create_directories(dir);
        for (int i = 0; i < kSmallCount; ++i) {
            const auto png = make_png(64, 64, 12, 1000 + i);
            s.contents.push_back(artifact({{"initial_noise", gaussian({1, 4, 8, 8}, 5000 + i)}}, &png));
            s.payload_bytes += payload_of(s.contents.back());
            char name[32];
            std::snprintf(name, sizeof name, "%04d.raiiaf", i);
            s.files.push_back(dir / name);
            // Written without fsync: setup only; the write benchmark uses write_file.
            const auto bytes = raiiaf::encode(s.contents.back());
            std::ofstream(s.files.back(), std::ios::binary)
                .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        }
        return s;
    }();
    return set;
}

// Files for the manifest-only open: one raw float32 latent of 1 MiB, 100 MiB,
// 1 GiB. The latent is zeros read from an untouched anonymous mapping (no
// memory behind it); the encoded file is written sparse, its zero blocks left
// as holes, so the 1 GiB file costs neither a GiB of disk nor the time to write it.
const fs::path& big_file(std::uint64_t mib) {
    static std::map<std::uint64_t, fs::path> files;
    auto& path = files[mib];
    if (!path.empty()) return path;
    const std::size_t bytes = mib << 20;
    void* zeros = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (zeros == MAP_FAILED) throw std::runtime_error("mmap of " + std::to_string(mib) + " MiB failed");
    const std::shared_ptr<void> mapping(zeros, [bytes](void* p) { munmap(p, bytes); });
    Tensor tensor(DType::float32, {1, mib, 512, 512},  // 1 MiB per channel
                  Bytes(std::span(static_cast<const std::byte*>(zeros), bytes), mapping));
    const auto encoded = raiiaf::encode(artifact({{"initial_noise", std::move(tensor)}}, nullptr));
    path = g_workdir / ("open_" + std::to_string(mib) + "MiB.raiiaf");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(path.string() + ": cannot create");
    constexpr std::size_t kBlock = 1 << 20;
    static const std::vector<std::byte> zero_block(kBlock);
    bool ok = true;
    for (std::size_t at = 0; at < encoded.size() && ok; at += kBlock) {
        const std::size_t n = std::min(kBlock, encoded.size() - at);
        if (std::memcmp(encoded.data() + at, zero_block.data(), n) != 0)
            ok = ::pwrite(fd, encoded.data() + at, n, static_cast<off_t>(at)) == static_cast<ssize_t>(n);
    }
    ok = ok && ::ftruncate(fd, static_cast<off_t>(encoded.size())) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error(path.string() + ": write failed");
    return path;
}

// ---- codec inputs ---------------------------------------------------------

struct CodecData {
    std::string name;
    Tensor tensor;
};
const std::vector<CodecData>& codec_data() {
    static const std::vector<CodecData> data = [] {
        const Shape shape{1, 4, 128, 128};
        const Tensor noise = gaussian(shape, 11);
        return std::vector<CodecData>{{"gauss_f32", noise},
                                      {"gauss_f16", raiiaf::convert_dtype(noise, DType::float16)},
                                      {"smooth_f32", smooth(shape, 12)}};
    }();
    return data;
}
const Tensor& codec_tensor(const std::string& name) {
    for (const auto& d : codec_data())
        if (d.name == name) return d.tensor;
    throw std::runtime_error("no codec data " + name);
}

struct CodecChoice {
    std::string name;  // "zstd", "shuffle-zstd", "zfp", "zfp_tol0.01"
    Codec codec;
    std::optional<double> tolerance;
};

std::array<std::byte, 12> envelope_of(const Tensor& t) {
    return raiiaf::detail::encode_chunk_header("LATN", raiiaf::detail::latent_flags(t.dtype()),
                                               static_cast<std::uint32_t>(t.bytes().size()));
}

// The stored bytes of a LATN chunk, as writer.cpp produces them.
std::vector<std::byte> codec_compress(const CodecChoice& c, const Tensor& t) {
    namespace d = raiiaf::detail;
    const auto envelope = envelope_of(t);
    const auto payload = t.bytes();
    switch (c.codec) {
    case Codec::zstd:
        return d::zstd_compress({std::span<const std::byte>(envelope), payload}, kZstdLevel);
    case Codec::shuffle_zstd: {
        const std::size_t k = raiiaf::dtype_size(t.dtype());
        std::vector<std::byte> shuffled(payload.size());
        d::shuffle_bytes(payload, k, shuffled);
        std::vector<std::span<const std::byte>> parts{std::span<const std::byte>(envelope)};
        const std::size_t plane = payload.size() / k;
        for (std::size_t b = 0; b < k; ++b) parts.push_back(std::span<const std::byte>(shuffled).subspan(b * plane, plane));
        return d::zstd_compress(parts, kShuffleZstdLevel, true);
    }
    case Codec::zfp: {
        auto stream = d::zfp_encode_tensor(t, c.tolerance);
        auto header = d::zstd_compress({std::span<const std::byte>(envelope)});
        header.insert(header.end(), stream.begin(), stream.end());
        return header;
    }
    case Codec::raw:
        break;
    }
    std::vector<std::byte> raw(envelope.begin(), envelope.end());
    raw.insert(raw.end(), payload.begin(), payload.end());
    return raw;
}

// The decoded tensor bytes, as reader.cpp produces them.
std::vector<std::byte> codec_decompress(const CodecChoice& c, const Tensor& t, std::span<const std::byte> stored) {
    namespace d = raiiaf::detail;
    const std::size_t n = t.bytes().size();
    switch (c.codec) {
    case Codec::zstd: {
        std::vector<std::byte> out(12 + n);
        d::zstd_decompress_exact(stored, out);
        return out;
    }
    case Codec::shuffle_zstd: {
        std::vector<std::byte> out(12 + n);
        d::zstd_decompress_exact(stored, out);
        std::vector<std::byte> unshuffled(n);
        d::unshuffle_bytes(std::span<const std::byte>(out).subspan(12), raiiaf::dtype_size(t.dtype()), unshuffled);
        return unshuffled;
    }
    case Codec::zfp: {
        const std::size_t header = d::zstd_frame_size(stored);
        std::array<std::byte, 12> envelope{};
        d::zstd_decompress_exact(stored.first(header), envelope);
        const Tensor decoded = d::zfp_decode_tensor(stored.subspan(header), t.dtype(), t.shape());
        return std::vector<std::byte>(decoded.bytes().begin(), decoded.bytes().end());
    }
    case Codec::raw:
        break;
    }
    return std::vector<std::byte>(stored.begin() + 12, stored.end());
}

ArtifactContent latent_only(const Tensor& t, const CodecChoice& c) {
    return artifact({{"latent", t, c.codec, c.tolerance}}, nullptr);
}

// ---- benchmarks ---------------------------------------------------------

void bm_sha256(benchmark::State& state) {
    std::vector<std::byte> buffer(1 << 20, std::byte{0x5a});
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char digest[32];
    for (auto _ : state) {
        EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
        EVP_DigestUpdate(ctx.get(), buffer.data(), buffer.size());
        EVP_DigestFinal_ex(ctx.get(), digest, nullptr);
        benchmark::DoNotOptimize(digest);
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(buffer.size()));
}

void bm_memcpy(benchmark::State& state) {
    const std::size_t size = std::size_t(state.range(0));
    std::vector<std::byte> src(size, std::byte{1}), dst(size);
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), size);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(size));
}

void load_everything(const Reader& reader) {
    for (std::size_t i = 0; i < reader.latents().size(); ++i) {
        const Tensor t = reader.load_latent(i);
        benchmark::DoNotOptimize(t.bytes().data());
    }
    if (reader.image_info()) {
        const Bytes image = reader.load_image();
        benchmark::DoNotOptimize(image.data());
    }
}

void bm_encode(benchmark::State& state, const Workload& (*get)()) {
    const Workload& w = get();
    for (auto _ : state) {
        auto bytes = raiiaf::encode(w.content);
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(w.payload_bytes));
}

void bm_write_file(benchmark::State& state, const Workload& (*get)()) {
    const Workload& w = get();
    const fs::path path = g_workdir / "write_target.raiiaf";
    for (auto _ : state) raiiaf::write_file(path, w.content);
    state.SetBytesProcessed(state.iterations() * std::int64_t(w.payload_bytes));
}

void bm_decode(benchmark::State& state, const Workload& (*get)(), bool verify) {
    const Workload& w = get();
    ReadOptions options;
    options.verify_hashes = verify;
    for (auto _ : state) load_everything(Reader::open(w.file, options));
    state.SetBytesProcessed(state.iterations() * std::int64_t(w.payload_bytes));
}

void bm_small_encode(benchmark::State& state) {
    const SmallSet& s = w4();
    std::size_t i = 0;
    for (auto _ : state) {
        auto bytes = raiiaf::encode(s.contents[i++ % kSmallCount]);
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_small_write_file(benchmark::State& state) {
    const SmallSet& s = w4();
    const fs::path dir = g_workdir / "w4_written";
    fs::create_directories(dir);
    std::size_t i = 0;
    for (auto _ : state) {
        raiiaf::write_file(dir / s.files[i % kSmallCount].filename(), s.contents[i % kSmallCount]);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}

// The same 1000 files made durable as one batch (raiiaf::WriteBatch: syncfs
// barriers per batch instead of an fsync per file; add_all on every core), as
// raiiaf import and raiiaf.save_many write them. New files: each round writes
// into a folder of its own, and the folders are removed only at the end, so
// that no round allocates its inodes among files the previous one deleted
// (ext4 without a journal, as here, skips inodes freed in the last hours one
// by one when it allocates). Replacing: the same 1000 files rewritten.
void bm_small_write_batch(benchmark::State& state, bool replace) {
    const SmallSet& s = w4();
    std::vector<raiiaf::FileToWrite> files(kSmallCount);
    for (std::size_t i = 0; i < files.size(); ++i) files[i].content = &s.contents[i];
    int round = 0;
    for (auto _ : state) {
        const fs::path dir = g_workdir / (replace ? std::string("w4_batch_replace") : "w4_batch_" + std::to_string(round++));
        fs::create_directories(dir);
        for (std::size_t i = 0; i < files.size(); ++i) files[i].path = dir / s.files[i].filename();
        raiiaf::WriteBatch batch;
        (void)batch.add_all(files);
        batch.commit();
    }
    state.SetItemsProcessed(state.iterations() * kSmallCount);
}

void bm_small_read(benchmark::State& state, bool verify) {
    const SmallSet& s = w4();
    ReadOptions options;
    options.verify_hashes = verify;
    std::size_t i = 0;
    for (auto _ : state) load_everything(Reader::open(s.files[i++ % kSmallCount], options));
    state.SetItemsProcessed(state.iterations());
}

// What capturing the environment adds to the first write of a process:
// current_environment() is cached afterwards.
void bm_env_capture(benchmark::State& state) {
    for (auto _ : state) {
        raiiaf::refresh_environment();
        const auto env = raiiaf::current_environment();
        benchmark::DoNotOptimize(env.components.data());
    }
    state.counters["components"] = double(raiiaf::current_environment().components.size());
}

void bm_small_encode_fresh_environment(benchmark::State& state) {
    const SmallSet& s = w4();
    std::size_t i = 0;
    for (auto _ : state) {
        raiiaf::refresh_environment();
        auto bytes = raiiaf::encode(s.contents[i++ % kSmallCount]);
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_manifest_open(benchmark::State& state) {
    const fs::path& path = big_file(std::uint64_t(state.range(0)));
    for (auto _ : state) {
        const Reader reader = Reader::open(path);
        benchmark::DoNotOptimize(&reader.model_info());
        benchmark::DoNotOptimize(reader.latents().size());
    }
    state.counters["file_bytes"] = double(fs::file_size(path));
}

void bm_codec_compress(benchmark::State& state, std::string data, CodecChoice c) {
    const Tensor& t = codec_tensor(data);
    std::size_t stored = 0;
    for (auto _ : state) {
        auto out = codec_compress(c, t);
        stored = out.size();
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(t.bytes().size()));
    state.counters["ratio"] = double(stored) / double(t.bytes().size());
}

void bm_codec_decompress(benchmark::State& state, std::string data, CodecChoice c) {
    const Tensor& t = codec_tensor(data);
    const auto stored = codec_compress(c, t);
    for (auto _ : state) {
        auto out = codec_decompress(c, t, stored);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(t.bytes().size()));
}

void bm_codec_encode(benchmark::State& state, std::string data, CodecChoice c) {
    const Tensor& t = codec_tensor(data);
    const ArtifactContent content = latent_only(t, c);
    for (auto _ : state) {
        auto bytes = raiiaf::encode(content);
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(t.bytes().size()));
}

void bm_codec_decode(benchmark::State& state, std::string data, CodecChoice c) {
    const Tensor& t = codec_tensor(data);
    const auto file = std::make_shared<const std::vector<std::byte>>(raiiaf::encode(latent_only(t, c)));
    for (auto _ : state) {
        const Reader reader = Reader::from_bytes(Bytes(*file, file));
        const Tensor out = reader.load_latent(0);
        benchmark::DoNotOptimize(out.bytes().data());
    }
    state.SetBytesProcessed(state.iterations() * std::int64_t(t.bytes().size()));
}

const std::vector<CodecChoice> kLosslessCodecs = {
    {"raw", Codec::raw, {}}, {"zstd", Codec::zstd, {}}, {"shuffle-zstd", Codec::shuffle_zstd, {}}, {"zfp", Codec::zfp, {}}};
const std::vector<double> kTolerances = {1e-1, 1e-2, 1e-3};

std::string tol_name(double tol) {
    char text[32];
    std::snprintf(text, sizeof text, "zfp_tol%g", tol);
    return text;
}

// ---- import (issue 14): real generator files of tests/data/interop ---------

const std::vector<std::byte>& interop_file(const std::string& name) {
    static std::map<std::string, std::vector<std::byte>> cache;
    auto& bytes = cache[name];
    if (bytes.empty()) {
        std::ifstream in(fs::path(RAIIAF_INTEROP_DIR) / name, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text.empty()) throw std::runtime_error("cannot read interop file " + name);
        bytes.resize(text.size());
        std::memcpy(bytes.data(), text.data(), text.size());
    }
    return bytes;
}

// --dry-run's work for one file: segments, texts, detection, the record.
void bm_import_parse(benchmark::State& state, std::string name) {
    const auto& image = interop_file(name);
    for (auto _ : state) {
        const auto metadata = raiiaf::read_generation_metadata(image);
        if (!metadata.recognised()) state.SkipWithError("not recognised");
        benchmark::DoNotOptimize(metadata.record.size());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * std::int64_t(image.size()));
}

// A whole import in memory on one core: parse, model_info, encode (SHA-256 of
// the image, its structural check, the manifest).
void bm_import_encode(benchmark::State& state) {
    const char* names[] = {"enslo_forge-classic-en.png", "enslo_invokeai-en.png", "enslo_swarmui.png"};
    std::int64_t bytes = 0;
    for (auto _ : state) {
        for (const char* name : names) {
            const auto& image = interop_file(name);
            raiiaf::ArtifactContent content;
            content.model = raiiaf::imported_model_info(raiiaf::read_generation_metadata(image));
            content.image = raiiaf::ImageInput{Bytes::borrowed(std::span<const std::byte>(image))};
            const auto out = raiiaf::encode(content);
            benchmark::DoNotOptimize(out.data());
            bytes += std::int64_t(image.size());
        }
    }
    state.SetBytesProcessed(bytes);
}

void register_benchmarks() {
    using benchmark::RegisterBenchmark;
    const auto setup = [](benchmark::internal::Benchmark* b) { return b->UseRealTime()->Unit(benchmark::kMicrosecond); };
    setup(RegisterBenchmark("bound/sha256_1MiB", bm_sha256));
    setup(RegisterBenchmark("bound/memcpy_8MiB", bm_memcpy)->Arg(8 << 20));

    const std::pair<const char*, const Workload& (*)()> workloads[] = {{"W1", &w1}, {"W2", &w2}, {"W3", &w3}};
    for (const auto& [name, get] : workloads) {
        const std::string n = name;
        setup(RegisterBenchmark((n + "/encode").c_str(), bm_encode, get));
        setup(RegisterBenchmark((n + "/decode_verified").c_str(), bm_decode, get, true));
        setup(RegisterBenchmark((n + "/decode_unverified").c_str(), bm_decode, get, false));
        setup(RegisterBenchmark((n + "/write_file").c_str(), bm_write_file, get));
    }
    setup(RegisterBenchmark("W4/encode", bm_small_encode));
    // fsync dominates (about 10 ms a file here): 100 files, once.
    setup(RegisterBenchmark("W4/write_file", bm_small_write_file))->Iterations(100)->Repetitions(1);
    setup(RegisterBenchmark("W4/write_batch", bm_small_write_batch, false))->Iterations(3)->Repetitions(1);
    setup(RegisterBenchmark("W4/write_batch_replace", bm_small_write_batch, true))->Iterations(3)->Repetitions(1);
    setup(RegisterBenchmark("env/capture", bm_env_capture));
    setup(RegisterBenchmark("env/W4_encode_fresh_capture", bm_small_encode_fresh_environment));
    setup(RegisterBenchmark("W4/read_verified", bm_small_read, true));
    setup(RegisterBenchmark("W4/read_unverified", bm_small_read, false));

    for (std::int64_t mib : {1, 100, 1024}) setup(RegisterBenchmark("open/manifest_only", bm_manifest_open)->Arg(mib));

    for (const char* name : {"enslo_forge-classic-en.png", "enslo_invokeai-en.png", "enslo_swarmui.png",
                             "enslo_forge-neo.jpeg", "enslo_comfyui-animated-webp.webp",
                             "sdparsers_night_evening_day_morning_cropped.png", "novelaipy_sample-0317.png"})
        setup(RegisterBenchmark((std::string("import/parse/") + name).c_str(), bm_import_parse, std::string(name)));
    setup(RegisterBenchmark("import/encode_in_memory", bm_import_encode));

    for (const auto& d : codec_data())
        for (const auto& c : kLosslessCodecs) {
            const std::string prefix = "codec/" + d.name + "/" + c.name + "/";
            if (c.codec != Codec::raw) {
                setup(RegisterBenchmark((prefix + "compress").c_str(), bm_codec_compress, d.name, c));
                setup(RegisterBenchmark((prefix + "decompress").c_str(), bm_codec_decompress, d.name, c));
            }
            setup(RegisterBenchmark((prefix + "encode").c_str(), bm_codec_encode, d.name, c));
            setup(RegisterBenchmark((prefix + "decode_verified").c_str(), bm_codec_decode, d.name, c));
        }
    for (const char* data : {"gauss_f32", "smooth_f32"})
        for (double tol : kTolerances) {
            const CodecChoice c{tol_name(tol), Codec::zfp, tol};
            const std::string prefix = std::string("codec/") + data + "/" + c.name + "/";
            setup(RegisterBenchmark((prefix + "compress").c_str(), bm_codec_compress, data, c));
            setup(RegisterBenchmark((prefix + "decompress").c_str(), bm_codec_decompress, data, c));
        }
}

// ---- metrics (sizes, bounds, errors): computed once --------------------

Json codec_metrics(const CodecData& d, const CodecChoice& c) {
    const Tensor& t = d.tensor;
    const auto file = raiiaf::encode(latent_only(t, c));
    // Copies: a raw latent is otherwise a view at the file's (unaligned) offset.
    ReadOptions copying;
    copying.copy_payloads = true;
    const Reader reader = Reader::from_bytes(Bytes::copy_of(file), copying);
    const auto& info = reader.latents().at(0);
    const Tensor decoded = reader.load_latent(0);
    const auto alone = codec_compress(c, t);
    Json m = Json::object();
    m["raw_bytes"] = t.bytes().size();
    m["stored_bytes"] = info.stored_size;
    m["ratio"] = double(info.stored_size) / double(t.bytes().size());
    m["stored_codec"] = raiiaf::codec_name(info.codec);  // raw when the writer fell back
    m["codec_alone_bytes"] = alone.size();
    // The bench's codec-alone pipeline must match what encode() stores.
    m["codec_alone_matches_writer"] =
        info.codec != c.codec || std::llabs(static_cast<long long>(alone.size()) - static_cast<long long>(info.stored_size)) <=
                                      std::max<long long>(16, static_cast<long long>(info.stored_size) / 100);
    double max_error = 0;
    if (t.dtype() == DType::float32) {
        const auto a = t.as<float>(), b = decoded.as<float>();
        for (std::size_t i = 0; i < a.size(); ++i) max_error = std::max(max_error, double(std::fabs(a[i] - b[i])));
    } else {
        max_error = std::equal(t.bytes().begin(), t.bytes().end(), decoded.bytes().begin()) ? 0.0 : -1.0;
    }
    m["max_abs_error"] = max_error;
    if (c.tolerance) {
        m["tolerance"] = *c.tolerance;
        m["recorded_tolerance"] = info.zfp_tolerance ? Json(*info.zfp_tolerance) : Json();
        m["within_tolerance"] = max_error <= *c.tolerance;
    } else {
        m["lossless"] = std::equal(t.bytes().begin(), t.bytes().end(), decoded.bytes().begin());
    }
    return m;
}

void write_metrics(const fs::path& path) {
    Json metrics = Json::object();
    metrics["png_1024_bytes"] = png_1024().size();
    Json workloads = Json::object();
    for (const auto& [name, get] : std::initializer_list<std::pair<const char*, const Workload& (*)()>>{
             {"W1", &w1}, {"W2", &w2}, {"W3", &w3}}) {
        const Workload& w = get();
        workloads[name] = {{"payload_bytes", w.payload_bytes}, {"file_bytes", fs::file_size(w.file)},
                           {"file", w.file.string()}};
    }
    const SmallSet& s = w4();
    workloads["W4"] = {{"payload_bytes", s.payload_bytes}, {"files", s.files.size()},
                       {"first_file", s.files.front().string()}, {"dir", s.files.front().parent_path().string()},
                       {"file_bytes", fs::file_size(s.files.front())}};
    metrics["workloads"] = workloads;

    Json codecs = Json::object();
    for (const auto& d : codec_data()) {
        Json entry = Json::object();
        entry["dtype"] = raiiaf::dtype_name(d.tensor.dtype());
        entry["shape"] = d.tensor.shape();
        entry["raw_bytes"] = d.tensor.bytes().size();
        entry["entropy_bound"] = entropy_bound(d.tensor);
        for (const auto& c : kLosslessCodecs)
            if (c.codec != Codec::raw) entry[c.name] = codec_metrics(d, c);
        if (d.tensor.dtype() == DType::float32) {
            for (double tol : kTolerances) entry[tol_name(tol)] = codec_metrics(d, {tol_name(tol), Codec::zfp, tol});
            // Diagnostic, not what the format stores: zfp on the same values with
            // the size-1 batch axis dropped (4-D blocks pad that axis 1 -> 4).
            Shape squeezed;
            for (auto dim : d.tensor.shape())
                if (dim != 1) squeezed.push_back(dim);
            Json whatif = Json::object();
            whatif["shape"] = squeezed;
            const auto ratio = [&](std::optional<double> tol) {
                return double(raiiaf::detail::zfp_compress(d.tensor.bytes(), false, squeezed, tol).size()) /
                       double(d.tensor.bytes().size());
            };
            whatif["zfp"] = ratio(std::nullopt);
            for (double tol : kTolerances) whatif[tol_name(tol)] = ratio(tol);
            entry["zfp_squeezed_whatif"] = whatif;
        }
        codecs[d.name] = entry;
    }
    metrics["codecs"] = codecs;
    std::ofstream(path) << metrics.dump(2) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::string metrics_path;
    std::string workdir;
    // Our flags first; the rest is Google Benchmark's.
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--metrics=", 0) == 0) metrics_path = arg.substr(10);
        else if (arg.rfind("--workdir=", 0) == 0) workdir = arg.substr(10);
        else if (arg == "--keep") g_keep_files = true;
        else rest.push_back(argv[i]);
    }
    int rest_argc = static_cast<int>(rest.size());
    benchmark::Initialize(&rest_argc, rest.data());
    if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;

    bool made_workdir = false;
    if (workdir.empty()) {
        std::string pattern = (fs::temp_directory_path() / "raiiaf-bench-XXXXXX").string();
        if (!mkdtemp(pattern.data())) {
            std::perror("mkdtemp");
            return 1;
        }
        workdir = pattern;
        made_workdir = true;
    }
    g_workdir = workdir;
    fs::create_directories(g_workdir);

    int status = 0;
    try {
        (void)raiiaf::current_environment();  // captured once per process; not part of any timing
        register_benchmarks();
        if (!metrics_path.empty()) write_metrics(metrics_path);
        benchmark::RunSpecifiedBenchmarks();
    } catch (const std::exception& e) {
        std::cerr << "raiiaf_bench: " << e.what() << "\n";
        status = 1;
    }
    benchmark::Shutdown();
    // The 1 GiB file goes whatever happens; the rest too unless --keep.
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(g_workdir, ignored))
        if (entry.path().filename().string().rfind("open_", 0) == 0) fs::remove(entry.path(), ignored);
    if (!g_keep_files && made_workdir) fs::remove_all(g_workdir, ignored);
    return status;
}
