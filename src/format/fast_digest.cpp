#include "format/fast_digest.hpp"

#include <algorithm>
#include <new>

#include <xxhash.h>

#include "format/fast_digest_simd.hpp"
#include "format/sha256.hpp"

#if RAIIAF_FAST_DIGEST_HAS_AVX2
#include <cpuid.h>
#endif

RAIIAF_DETAIL_NAMESPACE_BEGIN

#if RAIIAF_FAST_DIGEST_HAS_AVX2
namespace {

bool query_avx2() noexcept {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    constexpr unsigned kOsxsave = 1u << 27, kAvx = 1u << 28;
    if ((ecx & (kOsxsave | kAvx)) != (kOsxsave | kAvx)) return false;
    unsigned xcr0_low = 0, xcr0_high = 0;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    constexpr unsigned kSseAndYmmState = 0x6;
    if ((xcr0_low & kSseAndYmmState) != kSseAndYmmState) return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    constexpr unsigned kAvx2 = 1u << 5;
    return (ebx & kAvx2) != 0;
}

}  // namespace

// Here, not in fast_digest_simd.cpp, which is compiled for AVX2 throughout.
bool cpu_has_avx2() noexcept {
    static const bool has_avx2 = query_avx2();
    return has_avx2;
}
#endif

namespace {
std::string canonical_hex(XXH128_hash_t hash) {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, hash);
    return to_hex(std::span<const unsigned char>(canonical.digest, sizeof canonical.digest));
}
}  // namespace

// One of the two XXH3 builds, chosen when the digest starts: libxxhash's
// (SSE2) or the AVX2 one, twice as fast on the writer's every byte.
struct FastDigest::State {
    XXH3_state_t* xxh = nullptr;
#if RAIIAF_FAST_DIGEST_HAS_AVX2
    Xxh3Avx2Stream* avx2 = nullptr;
#endif
    ~State() {
        XXH3_freeState(xxh);
#if RAIIAF_FAST_DIGEST_HAS_AVX2
        xxh3_128_avx2_free(avx2);
#endif
    }
};

FastDigest::FastDigest() : state_(std::make_unique<State>()) {
#if RAIIAF_FAST_DIGEST_HAS_AVX2
    if (cpu_has_avx2()) {
        state_->avx2 = xxh3_128_avx2_start();
        if (!state_->avx2) throw std::bad_alloc();
        return;
    }
#endif
    state_->xxh = XXH3_createState();
    if (!state_->xxh) throw std::bad_alloc();
    XXH3_128bits_reset(state_->xxh);
}

FastDigest::~FastDigest() = default;

void FastDigest::update(std::span<const std::byte> data) {
    if (data.empty()) return;
#if RAIIAF_FAST_DIGEST_HAS_AVX2
    if (state_->avx2) return xxh3_128_avx2_update(state_->avx2, data.data(), data.size());
#endif
    XXH3_128bits_update(state_->xxh, data.data(), data.size());
}

std::string FastDigest::finish_hex() {
#if RAIIAF_FAST_DIGEST_HAS_AVX2
    if (state_->avx2) {
        const Xxh3Digest128 digest = xxh3_128_avx2_finish(state_->avx2);
        return canonical_hex(XXH128_hash_t{digest.low64, digest.high64});
    }
#endif
    return canonical_hex(XXH3_128bits_digest(state_->xxh));
}

std::string fast_digest_hex(std::span<const std::byte> data) {
#if RAIIAF_FAST_DIGEST_HAS_AVX2
    // Below this size AVX2 saves less than asking the CPU for it costs (the
    // cpuid instructions trap to the hypervisor in a VM, some 5 us each), and
    // a process that only reads small chunks (`raiiaf info`) need not ask.
    constexpr std::size_t kAvx2WorthFrom = 64 * 1024;
    if (data.size() >= kAvx2WorthFrom && cpu_has_avx2()) {
        const Xxh3Digest128 digest = xxh3_128_avx2(data.data(), data.size());
        return canonical_hex(XXH128_hash_t{digest.low64, digest.high64});
    }
#endif
    return canonical_hex(XXH3_128bits(data.data(), data.size()));
}

bool is_fast_digest_hex(const std::string& text) noexcept {
    return text.size() == 32 &&
           std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

RAIIAF_DETAIL_NAMESPACE_END
