// Byte shuffling: element bytes regrouped by significance (all first bytes,
// then all second bytes, ...). For floating-point noise this separates the
// low-entropy sign/exponent bytes from the random mantissa bytes, so an
// entropy coder can squeeze the former and store the latter as they are.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <span>

RAIIAF_DETAIL_NAMESPACE_BEGIN

// out[b * n + i] = in[i * element_size + b], n = in.size() / element_size.
void shuffle_bytes(std::span<const std::byte> in, std::size_t element_size, std::span<std::byte> out);
// The inverse.
void unshuffle_bytes(std::span<const std::byte> in, std::size_t element_size, std::span<std::byte> out);

RAIIAF_DETAIL_NAMESPACE_END
