// SHA-256 through OpenSSL (sha256.cpp says which interface, and why).
#pragma once

#include "raiiaf/config.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

RAIIAF_DETAIL_NAMESPACE_BEGIN

using Sha256Digest = std::array<unsigned char, 32>;

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::span<const std::byte> data);
    [[nodiscard]] Sha256Digest finish();

private:
    struct Context;
    std::unique_ptr<Context> context_;
};

[[nodiscard]] Sha256Digest sha256(std::span<const std::byte> data);
[[nodiscard]] std::string to_hex(std::span<const unsigned char> digest);
[[nodiscard]] std::string sha256_hex(std::span<const std::byte> data);
[[nodiscard]] std::string sha256_hex(std::string_view text);

RAIIAF_DETAIL_NAMESPACE_END
