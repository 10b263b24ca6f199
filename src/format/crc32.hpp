// CRC-32 as PNG (and zlib, gzip) define it, through libdeflate: several times
// zlib's speed, and every write reads a PNG's every byte for it (the image
// check), as does export when it writes chunks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

[[nodiscard]] std::uint32_t crc32(std::span<const std::byte> data) noexcept;

RAIIAF_DETAIL_NAMESPACE_END
