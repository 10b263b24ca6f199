#include "format/crc32.hpp"

#include <libdeflate.h>

RAIIAF_DETAIL_NAMESPACE_BEGIN

std::uint32_t crc32(std::span<const std::byte> data) noexcept {
    return libdeflate_crc32(0, data.data(), data.size());
}

RAIIAF_DETAIL_NAMESPACE_END
