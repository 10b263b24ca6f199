// raiiaf_sample OUTDIR [SEED [SHAPE]]: the sample data for tools/demo.sh and
// the CLI tests, made without Python: OUTDIR/image.png (a 256x256 RGB
// gradient, encoded with libspng) and OUTDIR/noise.npy (Gaussian noise,
// float32, SHAPE such as 1x4x1024x1024, by default 1x4x64x64 as a pipeline's
// initial latent). The same SEED gives the same bytes on every machine.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <raiiaf/raiiaf.hpp>
#include <raiiaf/tensor_io.hpp>

#include "rgb_png.hpp"

namespace {

std::vector<std::byte> gradient_png(std::uint32_t width, std::uint32_t height) {
    std::vector<std::uint8_t> pixels(std::size_t{width} * height * 3);
    for (std::uint32_t y = 0; y < height; ++y) {
        for (std::uint32_t x = 0; x < width; ++x) {
            std::uint8_t* p = &pixels[(std::size_t{y} * width + x) * 3];
            p[0] = static_cast<std::uint8_t>(255 * x / (width - 1));
            p[1] = static_cast<std::uint8_t>(255 * y / (height - 1));
            p[2] = static_cast<std::uint8_t>(255 - 255 * (x + y) / (width + height - 2));
        }
    }
    return raiiaf::tools::encode_rgb_png(pixels, width, height);
}

// Box-Muller over mt19937_64: unlike std::normal_distribution, the same on
// every standard library.
raiiaf::Tensor gaussian_noise(const raiiaf::Shape& shape, std::uint64_t seed) {
    std::mt19937_64 engine(seed);
    const auto uniform = [&] { return (static_cast<double>(engine() >> 11) + 0.5) * 0x1.0p-53; };  // (0, 1)
    std::vector<float> values(*raiiaf::element_count(shape));
    for (std::size_t i = 0; i < values.size(); i += 2) {
        const double radius = std::sqrt(-2.0 * std::log(uniform()));
        const double angle = 2.0 * std::numbers::pi * uniform();
        values[i] = static_cast<float>(radius * std::cos(angle));
        if (i + 1 < values.size()) values[i + 1] = static_cast<float>(radius * std::sin(angle));
    }
    std::vector<std::byte> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return raiiaf::Tensor(raiiaf::DType::float32, shape, raiiaf::Bytes(std::move(bytes)));
}

raiiaf::Shape parse_shape(const std::string& text) {
    const std::invalid_argument bad("bad shape \"" + text + "\" (expected e.g. 1x4x64x64)");
    raiiaf::Shape shape;
    for (std::size_t pos = 0; pos <= text.size();) {
        const std::size_t end = std::min(text.find('x', pos), text.size());
        const std::string dim = text.substr(pos, end - pos);
        if (dim.empty() || dim.find_first_not_of("0123456789") != std::string::npos || dim.size() > 9) throw bad;
        shape.push_back(std::stoull(dim));
        pos = end + 1;
    }
    if (shape.size() > 8 || !raiiaf::tensor_byte_size(raiiaf::DType::float32, shape)) throw bad;
    return shape;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        std::cerr << "usage: raiiaf_sample OUTDIR [SEED [SHAPE]]\n";
        return 2;
    }
    try {
        const std::filesystem::path directory = argv[1];
        const std::uint64_t seed = argc >= 3 ? std::stoull(argv[2]) : 1337;
        const raiiaf::Shape shape = argc == 4 ? parse_shape(argv[3]) : raiiaf::Shape{1, 4, 64, 64};
        std::filesystem::create_directories(directory);

        const auto png = gradient_png(256, 256);
        std::ofstream out(directory / "image.png", std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
        out.close();
        if (!out) throw std::runtime_error("cannot write " + (directory / "image.png").string());

        raiiaf::write_npy_file(directory / "noise.npy", gaussian_noise(shape, seed));
        std::cout << (directory / "image.png").string() << "\n" << (directory / "noise.npy").string() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "raiiaf_sample: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
