// The instruction-set variants of XXH3-128 that fast_digest.cpp picks from.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RAIIAF_FAST_DIGEST_HAS_AVX2 1
#else
#define RAIIAF_FAST_DIGEST_HAS_AVX2 0
#endif

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct Xxh3Digest128 {
    std::uint64_t low64;
    std::uint64_t high64;
};

#if RAIIAF_FAST_DIGEST_HAS_AVX2
// Whether the CPU and the OS (which must save the YMM registers) support AVX2,
// asked once on first use. Not __builtin_cpu_supports: that links libgcc's
// constructor, which every process then pays for at start-up (a dozen cpuid
// instructions, each a trap to the hypervisor in a VM), `raiiaf info` included.
[[nodiscard]] bool cpu_has_avx2() noexcept;

// Call only where cpu_has_avx2().
[[nodiscard]] Xxh3Digest128 xxh3_128_avx2(const void* data, std::size_t size) noexcept;

// The same digest over data given piece by piece (what FastDigest streams),
// also only where cpu_has_avx2(). start() returns nullptr when out of memory.
struct Xxh3Avx2Stream;
[[nodiscard]] Xxh3Avx2Stream* xxh3_128_avx2_start() noexcept;
void xxh3_128_avx2_update(Xxh3Avx2Stream* stream, const void* data, std::size_t size) noexcept;
[[nodiscard]] Xxh3Digest128 xxh3_128_avx2_finish(const Xxh3Avx2Stream* stream) noexcept;
void xxh3_128_avx2_free(Xxh3Avx2Stream* stream) noexcept;
#endif

RAIIAF_DETAIL_NAMESPACE_END
