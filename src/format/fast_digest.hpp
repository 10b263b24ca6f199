// XXH3-128 of a chunk's stored bytes: the integrity check of every read
// (docs/FORMAT.md section 5). It finds accidental corruption at memory speed;
// SHA-256 (sha256.hpp) is what full verification checks.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

class FastDigest {
public:
    FastDigest();
    ~FastDigest();
    FastDigest(const FastDigest&) = delete;
    FastDigest& operator=(const FastDigest&) = delete;

    void update(std::span<const std::byte> data);
    // 32 lowercase hex digits of the canonical (big-endian) XXH3-128 digest.
    [[nodiscard]] std::string finish_hex();

private:
    struct State;
    std::unique_ptr<State> state_;
};

[[nodiscard]] std::string fast_digest_hex(std::span<const std::byte> data);
[[nodiscard]] bool is_fast_digest_hex(const std::string& text) noexcept;

RAIIAF_DETAIL_NAMESPACE_END
