#include "format/fast_digest.hpp"

#include <algorithm>
#include <new>

#include <xxhash.h>

#include "format/fast_digest_simd.hpp"
#include "format/sha256.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct FastDigest::State {
    XXH3_state_t* xxh = nullptr;
    ~State() { XXH3_freeState(xxh); }
};

FastDigest::FastDigest() : state_(std::make_unique<State>()) {
    state_->xxh = XXH3_createState();
    if (!state_->xxh) throw std::bad_alloc();
    XXH3_128bits_reset(state_->xxh);
}

FastDigest::~FastDigest() = default;

void FastDigest::update(std::span<const std::byte> data) {
    if (!data.empty()) XXH3_128bits_update(state_->xxh, data.data(), data.size());
}

namespace {
std::string canonical_hex(XXH128_hash_t hash) {
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, hash);
    return to_hex(std::span<const unsigned char>(canonical.digest, sizeof canonical.digest));
}
}  // namespace

std::string FastDigest::finish_hex() { return canonical_hex(XXH3_128bits_digest(state_->xxh)); }

std::string fast_digest_hex(std::span<const std::byte> data) {
#if RAIIAF_FAST_DIGEST_HAS_AVX2
    static const bool has_avx2 = __builtin_cpu_supports("avx2");
    if (has_avx2) {
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
