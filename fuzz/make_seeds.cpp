// Writes the seed corpora: fuzz/corpus/<target>/seed-*.
//   raiiaf_fuzz_make_seeds <corpus dir> <vectors dir>
// Whole files come from sample_files.hpp (every layout and codec, written by
// encode()) and from the small shared vectors; the other targets get the
// pieces of those files they parse (manifest text, zstd frames, zfp streams,
// images, ENVC payloads) in their input format (see each target's comment).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "codecs/zfp_codec.hpp"
#include "codecs/zstd_codec.hpp"
#include "raiiaf/format.hpp"
#include "sample_files.hpp"
#if __has_include("raiiaf/tensor_io.hpp")
#include "raiiaf/tensor_io.hpp"
#define RAIIAF_FUZZ_HAVE_TENSOR_IO 1
#endif

namespace fs = std::filesystem;
using namespace raiiaf;

namespace {

fs::path g_out;
std::size_t g_written = 0;

std::vector<std::byte> read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

void write_seed(const std::string& target, const std::string& name, std::span<const std::byte> bytes) {
    const fs::path dir = g_out / target;
    fs::create_directories(dir);
    std::ofstream out(dir / ("seed-" + name), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ++g_written;
}

std::vector<std::byte> with_prefix(std::initializer_list<std::uint8_t> prefix, std::span<const std::byte> rest) {
    std::vector<std::byte> out;
    for (const auto b : prefix) out.push_back(std::byte{b});
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

// zstd target input: u16 expected size, u8 element-size code, frame.
void zstd_seed(const std::string& name, std::size_t expected, unsigned element_code, std::span<const std::byte> frame) {
    if (expected > 0xFFFF) return;
    write_seed("zstd", name,
               with_prefix({static_cast<std::uint8_t>(expected & 0xFF), static_cast<std::uint8_t>(expected >> 8),
                            static_cast<std::uint8_t>(element_code)},
                           frame));
}

// The pieces of one container file, for the other targets.
void split_file(const std::string& name, std::span<const std::byte> file, bool whole_file_seed) {
    if (whole_file_seed) write_seed("check_bytes", name, file);
    const Reader reader = Reader::from_bytes(Bytes::copy_of(file));
    const Header& header = reader.header();
    const auto table = file.subspan(header.chunk_table_offset, header.chunk_table_size);
    const auto manifest = detail::zstd_decompress_bounded(table, 1 << 24);
    write_seed("manifest", name, std::span<const std::byte>(manifest).subspan(kChunkHeaderSize));
    zstd_seed(name + "-manifest", manifest.size(), 0, table);

    for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
        const ChunkRecord& record = reader.chunks()[i];
        const std::string chunk_name = name + "-" + std::to_string(i) + "-" + record.type;
        const Bytes stored = reader.stored_bytes(i);
        const auto latent = std::find_if(reader.latents().begin(), reader.latents().end(),
                                         [&](const LatentInfo& info) { return info.chunk_index == i; });
        if (latent != reader.latents().end() && latent->codec == Codec::zfp) {
            const auto split = static_cast<std::size_t>(*record.len_header);
            zstd_seed(chunk_name + "-header", kChunkHeaderSize, 0, stored.span().first(split));
            if (latent->shape.size() <= 8) {
                std::vector<std::uint8_t> prefix = {
                    static_cast<std::uint8_t>(latent->dtype == DType::float64 ? 1 : latent->dtype == DType::float16 ? 2 : 0),
                    static_cast<std::uint8_t>(latent->shape.size())};
                bool fits = true;
                for (const auto dim : latent->shape) {
                    fits = fits && dim <= 16;
                    prefix.push_back(static_cast<std::uint8_t>(dim));
                }
                if (fits) {
                    std::vector<std::byte> seed;
                    for (const auto b : prefix) seed.push_back(std::byte{b});
                    const auto stream = stored.span().subspan(split);
                    seed.insert(seed.end(), stream.begin(), stream.end());
                    write_seed("zfp", chunk_name, seed);
                }
            }
        } else if (record.compressed) {
            const unsigned code = latent == reader.latents().end() ? 0
                                  : dtype_size(latent->dtype) == 8 ? 3
                                  : dtype_size(latent->dtype) == 4 ? 2
                                  : dtype_size(latent->dtype) == 2 ? 1 : 0;
            zstd_seed(chunk_name, kChunkHeaderSize + record.uncompressed_size, code, stored.span());
        }
        if (record.type == kImageType) {
            const Bytes image = reader.load_payload(i);
            write_seed("image", chunk_name, image.span());
        }
        if (record.type == kEnvType) {
            const Bytes env = reader.load_payload(i);
            write_seed("env", chunk_name, env.span());
        }
    }
}

void zfp_seeds() {
    struct Case {
        const char* name;
        DType dtype;
        Shape shape;
        std::optional<double> tolerance;
    };
    const Case cases[] = {
        {"f32-scalar", DType::float32, {}, {}},
        {"f32-1d", DType::float32, {13}, {}},
        {"f32-2d", DType::float32, {5, 7}, {}},
        {"f32-3d", DType::float32, {3, 4, 5}, {}},
        {"f32-4d", DType::float32, {1, 4, 4, 4}, {}},
        {"f32-5d", DType::float32, {2, 1, 2, 3, 3}, {}},
        {"f32-8d", DType::float32, {1, 2, 1, 2, 1, 2, 1, 3}, {}},
        {"f64-2d", DType::float64, {6, 6}, {}},
        {"f64-4d-lossy", DType::float64, {1, 2, 4, 4}, 1e-4},
        {"f32-3d-lossy", DType::float32, {2, 5, 5}, 0.01},
        {"f16-3d", DType::float16, {2, 3, 4}, {}},
    };
    for (const auto& c : cases) {
        const Tensor tensor = samples::smooth_tensor(c.dtype, c.shape, 0.5);
        const auto stream = detail::zfp_encode_tensor(tensor, c.tolerance);
        std::vector<std::uint8_t> prefix = {
            static_cast<std::uint8_t>(c.dtype == DType::float64 ? 1 : c.dtype == DType::float16 ? 2 : 0),
            static_cast<std::uint8_t>(c.shape.size())};
        for (const auto dim : c.shape) prefix.push_back(static_cast<std::uint8_t>(dim));
        std::vector<std::byte> seed;
        for (const auto b : prefix) seed.push_back(std::byte{b});
        seed.insert(seed.end(), stream.begin(), stream.end());
        write_seed("zfp", std::string("stream-") + c.name, seed);
    }
}

void image_seeds() {
    // Minimal JPEG: SOI, APP0 (JFIF), SOF0 8x6 one component, EOI.
    const std::uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00,
                                 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x06,
                                 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9};
    write_seed("image", "minimal.jpg", std::as_bytes(std::span(jpeg)));
    // WebP headers: lossless (VP8L), extended (VP8X), lossy (VP8 ).
    const auto riff = [](const char* fourcc, std::vector<std::uint8_t> body) {
        std::vector<std::uint8_t> chunk(fourcc, fourcc + 4);
        const std::uint32_t size = static_cast<std::uint32_t>(body.size());
        for (int s = 0; s < 32; s += 8) chunk.push_back(static_cast<std::uint8_t>(size >> s));
        chunk.insert(chunk.end(), body.begin(), body.end());
        std::vector<std::uint8_t> file = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
        file.insert(file.end(), chunk.begin(), chunk.end());
        const std::uint32_t riff_size = static_cast<std::uint32_t>(file.size() - 8);
        for (int s = 0; s < 4; ++s) file[4 + s] = static_cast<std::uint8_t>(riff_size >> (8 * s));
        std::vector<std::byte> out(file.size());
        std::memcpy(out.data(), file.data(), file.size());
        return out;
    };
    write_seed("image", "lossless.webp", riff("VP8L", {0x2F, 0x07, 0xC0, 0x01, 0x00, 0, 0, 0, 0, 0}));
    write_seed("image", "extended.webp", riff("VP8X", {0x10, 0, 0, 0, 0x07, 0, 0, 0x05, 0, 0}));
    write_seed("image", "lossy.webp", riff("VP8 ", {0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, 0x08, 0x00, 0x06, 0x00}));
    write_seed("image", "tiny.png", samples::tiny_png());
}

#ifdef RAIIAF_FUZZ_HAVE_TENSOR_IO
void interop_seeds(const fs::path& vectors) {
    const DType dtypes[] = {DType::float16, DType::float32, DType::float64, DType::int8, DType::int16,
                            DType::int32,   DType::int64,   DType::uint8,   DType::boolean};
    const Shape shapes[] = {{}, {5}, {2, 3}, {1, 2, 3, 2}, {0, 4}, {1, 1, 1, 1, 1, 2, 1, 2}};
    std::vector<samples::SampleFile> npys;
    int n = 0;
    for (const DType dtype : dtypes) {
        const Shape& shape = shapes[n++ % std::size(shapes)];
        const auto bytes = encode_npy(samples::smooth_tensor(dtype, shape));
        write_seed("npy", std::string(dtype_name(dtype)), bytes);
        npys.push_back({std::string(dtype_name(dtype)), bytes});
    }
    // Header variants numpy also writes: big-endian, Fortran order, format 2.0 and 3.0.
    const auto variant = [&](const std::string& name, const std::vector<std::byte>& base,
                             const std::string& from, const std::string& to, int major) {
        std::string text(reinterpret_cast<const char*>(base.data()), base.size());
        const auto at = text.find(from);
        if (at == std::string::npos || from.size() != to.size()) return;
        text.replace(at, from.size(), to);
        if (major == 2 || major == 3) {  // u32 header length instead of u16
            const std::uint32_t header_length = static_cast<std::uint8_t>(text[8]) | static_cast<std::uint8_t>(text[9]) << 8;
            std::string header = text.substr(10, header_length);
            std::string rest = text.substr(10 + header_length);
            header.erase(header.size() - 3);  // keep the total a multiple of 64 with 2 more length bytes
            header += "\n";
            header.insert(header.size() - 1, "");
            text = text.substr(0, 6) + std::string(1, static_cast<char>(major)) + std::string(1, '\0');
            const std::uint32_t length = static_cast<std::uint32_t>(header.size() + 1);
            for (int s = 0; s < 32; s += 8) text.push_back(static_cast<char>(length >> s));
            text += header + " " + rest;
            text[text.size() - rest.size() - 1] = '\n';
            text[text.size() - rest.size() - 2] = ' ';
        }
        write_seed("npy", name, std::as_bytes(std::span(text.data(), text.size())));
    };
    variant("big-endian-f4", npys[1].bytes, "'<f4'", "'>f4'", 1);
    variant("fortran-i2", npys[4].bytes, "False", "True ", 1);
    variant("format2-f8", npys[2].bytes, "'<f8'", "'<f8'", 2);
    variant("format3-u1", npys[7].bytes, "'|u1'", "'|u1'", 3);
    for (const auto& entry : fs::directory_iterator(vectors / "expected")) {
        for (const auto& file : fs::directory_iterator(entry.path())) {
            if (file.path().extension() != ".npy" || fs::file_size(file.path()) > 16 * 1024) continue;
            write_seed("npy", "vector-" + entry.path().filename().string() + "-" + file.path().stem().string(),
                       read_all(file.path()));
        }
    }

    std::vector<NamedTensor> tensors;
    n = 0;
    for (const DType dtype : {DType::float16, DType::bfloat16, DType::float32, DType::float64, DType::int8,
                              DType::int16, DType::int32, DType::int64, DType::uint8, DType::boolean}) {
        tensors.push_back({"unet.block" + std::to_string(n) + "." + std::string(dtype_name(dtype)),
                           samples::smooth_tensor(dtype, shapes[n % std::size(shapes)])});
        ++n;
    }
    write_seed("safetensors", "all-dtypes", encode_safetensors(tensors));
    const Json metadata = Json{{"format", "pt"}, {"note", "seed \u00e9"}};
    write_seed("safetensors", "metadata", encode_safetensors({tensors[2], tensors[5]}, &metadata));
    write_seed("safetensors", "one", encode_safetensors({tensors[0]}));
    write_seed("safetensors", "empty", encode_safetensors({}));
}
#endif

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s <corpus dir> <vectors dir>\n", argv[0]);
        return 2;
    }
    g_out = argv[1];
    const fs::path vectors = argv[2];
    for (const auto& file : samples::seed_files()) split_file(file.name, file.bytes, true);
    std::set<fs::path> vector_files;
    for (const auto& entry : fs::directory_iterator(vectors))
        if (entry.is_regular_file()) vector_files.insert(entry.path());
    for (const auto& path : vector_files) {
        const auto bytes = read_all(path);
        // Whole files only when small (libFuzzer's max_len follows the seeds).
        split_file("vector-" + path.stem().string(), bytes, bytes.size() <= 16 * 1024);
    }
    zfp_seeds();
    image_seeds();
#ifdef RAIIAF_FUZZ_HAVE_TENSOR_IO
    interop_seeds(vectors);
#endif
    std::printf("wrote %zu seeds under %s\n", g_written, g_out.c_str());
    return 0;
}
