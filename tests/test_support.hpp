// Helpers shared by the unit tests.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <span>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "raiiaf/bytes.hpp"
#include "raiiaf/format.hpp"

namespace raiiaf::testing {

inline std::filesystem::path vectors_dir() { return RAIIAF_VECTORS_DIR; }
inline std::filesystem::path expected_dir(const std::string& vector) { return vectors_dir() / "expected" / vector; }

inline std::vector<std::byte> read_file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

inline std::string read_file_text(const std::filesystem::path& path) {
    const auto bytes = read_file_bytes(path);
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline void write_file_bytes(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "raiiaf-test-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline std::vector<std::string> vector_names() {
    return {"r1_f32_raw", "r2_f16_raw", "r3_f32_zfp", "r4_multi_unicode", "r5_no_image",
            "g1_f32_zstd", "g2_f16_zstd", "g3_f32_raw"};
}

inline std::filesystem::path vector_file(const std::string& name) {
    return vectors_dir() / (name + (name[0] == 'g' ? ".gen5" : ".raiiaf"));
}

}  // namespace raiiaf::testing

#include <random>

#include "raiiaf/tensor.hpp"
#include "raiiaf/writer.hpp"

namespace raiiaf::testing {

// A tensor of pseudo-random bytes that are valid values of `dtype`.
inline Tensor random_tensor(DType dtype, Shape shape, unsigned seed = 1) {
    const std::uint64_t count = element_count(shape).value();
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<std::byte> bytes(count * dtype_size(dtype));
    for (std::uint64_t i = 0; i < count; ++i) {
        std::byte* p = bytes.data() + i * dtype_size(dtype);
        const float value = normal(rng);
        switch (dtype) {
        case DType::float32: std::memcpy(p, &value, 4); break;
        case DType::float64: { const double d = value; std::memcpy(p, &d, 8); break; }
        case DType::boolean: *p = std::byte(rng() & 1u); break;
        default:
            for (std::size_t b = 0; b < dtype_size(dtype); ++b) p[b] = std::byte(rng() & 0xFFu);
            if (dtype == DType::float16 || dtype == DType::bfloat16) p[1] &= std::byte{0x3F};  // finite values
        }
    }
    return Tensor(dtype, std::move(shape), Bytes(std::move(bytes)));
}

inline Environment fixed_environment() {
    return {1, {{"python", "name=python;version=3.11.2"}, {"os", "name=os;version=Linux 6.1.0-18-amd64"}}};
}

inline ModelInfo sample_model() {
    ModelInfo model;
    model.model_name = "Stable Diffusion 3";
    model.version = "3.0";
    model.date = "2026-11-23T10:00:00.000000+00:00";
    model.prompt = "a cat in neon goggles";
    model.tags = {"cat", "neon"};
    model.generation_settings = Json{{"seed", 1337}, {"steps", 30}, {"sampler", "euler"}};
    return model;
}

// An artifact with one 1x4x8x8 float32 latent, the r1 vector's PNG and a fixed environment.
inline ArtifactContent sample_content() {
    ArtifactContent content;
    content.model = sample_model();
    content.latents.push_back({"initial_noise", random_tensor(DType::float32, {1, 4, 8, 8}), std::nullopt});
    content.image = ImageInput{Bytes(read_file_bytes(expected_dir("r1_f32_raw") / "image.png")), Json::object()};
    content.environment = fixed_environment();
    return content;
}

}  // namespace raiiaf::testing

#include <functional>

#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/json_text.hpp"

namespace raiiaf::testing {

// The file with its manifest decoded, edited and written back (header fixed up).
inline std::vector<std::byte> with_manifest(const std::vector<std::byte>& file, const std::function<void(Json&)>& edit,
                     const std::function<void(std::string&)>& edit_text = {}) {
    Header header = parse_header(file);
    const auto table = std::span<const std::byte>(file).subspan(header.chunk_table_offset, header.chunk_table_size);
    const auto decoded = detail::zstd_decompress_bounded(table, 1 << 24);
    Json document = Json::parse(std::string_view(reinterpret_cast<const char*>(decoded.data()) + 12, decoded.size() - 12));
    edit(document);
    std::string text = detail::dump_python_json(document);
    if (edit_text) edit_text(text);
    const auto envelope = detail::encode_chunk_header("META", "0000", static_cast<std::uint32_t>(text.size()));
    const auto frame = detail::zstd_compress({envelope, std::as_bytes(std::span(text.data(), text.size()))});
    std::vector<std::byte> out(file.begin(), file.begin() + header.chunk_table_offset);
    out.insert(out.end(), frame.begin(), frame.end());
    header.chunk_table_size = static_cast<std::uint32_t>(frame.size());
    header.file_size = out.size();
    const auto encoded = encode_header(header);
    std::copy(encoded.begin(), encoded.end(), out.begin());
    return out;
}

inline Json& chunks_of(Json& document) { return document.begin().value()["chunks"]; }

}  // namespace raiiaf::testing
