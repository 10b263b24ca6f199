// Structural checks of the image formats the container stores as given.
#pragma once

#include "raiiaf/config.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct ImageCheckError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ImageProperties {
    std::string format;  // "png", "jpeg", "webp"
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

// PNG: signature, IHDR (through libspng), every chunk's CRC, IEND last.
// JPEG: SOI, marker segments up to a frame header, EOI. WebP: RIFF container
// and its first chunk's dimensions. Throws ImageCheckError naming the problem.
[[nodiscard]] ImageProperties inspect_image(std::span<const std::byte> bytes);

RAIIAF_DETAIL_NAMESPACE_END
