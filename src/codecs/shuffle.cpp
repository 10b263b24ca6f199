#include "codecs/shuffle.hpp"

#include <cstring>

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {
// Fixed element sizes let the compiler unroll and vectorise the inner loop.
template <std::size_t Size>
void shuffle_fixed(const std::byte* in, std::size_t count, std::byte* out) {
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t b = 0; b < Size; ++b) out[b * count + i] = in[i * Size + b];
}

template <std::size_t Size>
void unshuffle_fixed(const std::byte* in, std::size_t count, std::byte* out) {
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t b = 0; b < Size; ++b) out[i * Size + b] = in[b * count + i];
}
}  // namespace

void shuffle_bytes(std::span<const std::byte> in, std::size_t element_size, std::span<std::byte> out) {
    const std::size_t count = in.size() / element_size;
    switch (element_size) {
    case 2: shuffle_fixed<2>(in.data(), count, out.data()); break;
    case 4: shuffle_fixed<4>(in.data(), count, out.data()); break;
    case 8: shuffle_fixed<8>(in.data(), count, out.data()); break;
    default: if (!in.empty()) std::memcpy(out.data(), in.data(), in.size()); break;  // one-byte elements; an empty span's data() may be null
    }
}

void unshuffle_bytes(std::span<const std::byte> in, std::size_t element_size, std::span<std::byte> out) {
    const std::size_t count = in.size() / element_size;
    switch (element_size) {
    case 2: unshuffle_fixed<2>(in.data(), count, out.data()); break;
    case 4: unshuffle_fixed<4>(in.data(), count, out.data()); break;
    case 8: unshuffle_fixed<8>(in.data(), count, out.data()); break;
    default: if (!in.empty()) std::memcpy(out.data(), in.data(), in.size()); break;
    }
}

RAIIAF_DETAIL_NAMESPACE_END
