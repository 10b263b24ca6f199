// An 8-bit RGB image encoded as PNG with libspng: the sample image of
// raiiaf_sample and the benchmark's images.
#pragma once

#include <spng.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace raiiaf::tools {

inline std::vector<std::byte> encode_rgb_png(std::span<const std::uint8_t> rgb, std::uint32_t width,
                                             std::uint32_t height) {
    const std::unique_ptr<spng_ctx, decltype(&spng_ctx_free)> ctx(spng_ctx_new(SPNG_CTX_ENCODER), spng_ctx_free);
    if (!ctx) throw std::runtime_error("spng: cannot create an encoder");
    spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
    spng_ihdr ihdr{};
    ihdr.width = width;
    ihdr.height = height;
    ihdr.bit_depth = 8;
    ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR;
    int error = spng_set_ihdr(ctx.get(), &ihdr);
    if (error == 0)
        error = spng_encode_image(ctx.get(), rgb.data(), rgb.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    if (error != 0) throw std::runtime_error(std::string("spng: ") + spng_strerror(error));
    std::size_t size = 0;
    void* buffer = spng_get_png_buffer(ctx.get(), &size, &error);
    if (!buffer) throw std::runtime_error(std::string("spng: ") + spng_strerror(error));
    std::vector<std::byte> png(size);
    std::memcpy(png.data(), buffer, size);
    std::free(buffer);
    return png;
}

}  // namespace raiiaf::tools
