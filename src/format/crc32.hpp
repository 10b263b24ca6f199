// CRC-32 as PNG (and zlib, gzip) define it: every write reads a PNG's every
// byte for it (the image check), as does export when it writes chunks.
// ISA-L's (Debian libisal2, loaded on first use: src/io/shared_library.hpp)
// runs at 55 GB/s here with VPCLMULQDQ, libdeflate's at 14 GB/s and zlib's at
// 6; libdeflate's where ISA-L cannot be loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

[[nodiscard]] std::uint32_t crc32(std::span<const std::byte> data) noexcept;
// Whether crc32() runs ISA-L's (for the tests).
[[nodiscard]] bool crc32_uses_isal() noexcept;

RAIIAF_DETAIL_NAMESPACE_END
