// Unaligned little-endian loads and stores (the container is little-endian;
// so are the machines we build for, which the static_assert makes explicit).
#pragma once

#include <bit>
#include <cstddef>
#include <cstring>

namespace raiiaf::detail {

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

}  // namespace raiiaf::detail
