// Unaligned little-endian loads and stores (the container is little-endian;
// so are the machines we build for, which the static_assert makes explicit).
#pragma once

#include "raiiaf/config.hpp"

#include <bit>
#include <cstddef>
#include <cstring>

RAIIAF_DETAIL_NAMESPACE_BEGIN

static_assert(std::endian::native == std::endian::little, "raiiaf assumes a little-endian host");

template <class T>
[[nodiscard]] T load_le(const std::byte* p) noexcept {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

template <class T>
void store_le(std::byte* p, T value) noexcept {
    std::memcpy(p, &value, sizeof(T));
}

RAIIAF_DETAIL_NAMESPACE_END
