// XXH3-128 compiled for AVX2, chosen at run time by fast_digest.cpp. Debian's
// libxxhash is built for the x86-64 baseline (SSE2) and ships no dispatcher,
// which halves the speed of the check every read makes. XXH3's result does not
// depend on the instruction set, so files hash the same either way.
#include "format/fast_digest_simd.hpp"

#if RAIIAF_FAST_DIGEST_HAS_AVX2
#include <immintrin.h>  // declares the AVX2 intrinsics whatever the compiler's target

// Everything below, xxHash's inline functions included, is compiled for AVX2.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC target("avx2")
#endif
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <xxhash.h>

RAIIAF_DETAIL_NAMESPACE_BEGIN

Xxh3Digest128 xxh3_128_avx2(const void* data, std::size_t size) noexcept {
    const auto hash = XXH3_128bits(data, size);
    return {hash.low64, hash.high64};
}

// The stream is this file's own (inline, AVX2) XXH3 state.
Xxh3Avx2Stream* xxh3_128_avx2_start() noexcept {
    XXH3_state_t* state = XXH3_createState();
    if (state) XXH3_128bits_reset(state);
    return reinterpret_cast<Xxh3Avx2Stream*>(state);
}

void xxh3_128_avx2_update(Xxh3Avx2Stream* stream, const void* data, std::size_t size) noexcept {
    XXH3_128bits_update(reinterpret_cast<XXH3_state_t*>(stream), data, size);
}

Xxh3Digest128 xxh3_128_avx2_finish(const Xxh3Avx2Stream* stream) noexcept {
    const auto hash = XXH3_128bits_digest(reinterpret_cast<const XXH3_state_t*>(stream));
    return {hash.low64, hash.high64};
}

void xxh3_128_avx2_free(Xxh3Avx2Stream* stream) noexcept { XXH3_freeState(reinterpret_cast<XXH3_state_t*>(stream)); }

RAIIAF_DETAIL_NAMESPACE_END

#if defined(__clang__)
#pragma clang attribute pop
#endif
#endif
