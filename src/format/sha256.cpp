// OpenSSL 3's EVP interface sets up its provider machinery on first use: about
// 0.5-1 ms per process, more than the rest of `raiiaf info` on a small file.
// Its low-level SHA256_* functions, deprecated but kept in 3.x, run the same
// assembly (SHA-NI, AVX2) without that, so they are used where they exist.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "format/sha256.hpp"

#include <openssl/evp.h>
#include <openssl/opensslconf.h>
#include <openssl/sha.h>

#include <stdexcept>

#if defined(OPENSSL_NO_DEPRECATED_3_0)
#define RAIIAF_SHA256_EVP 1
#else
#define RAIIAF_SHA256_EVP 0
#endif

RAIIAF_DETAIL_NAMESPACE_BEGIN

#if RAIIAF_SHA256_EVP
struct Sha256::Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
    if (!context_->ctx || EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL could not initialise SHA-256");
}

void Sha256::update(std::span<const std::byte> data) {
    if (!data.empty()) EVP_DigestUpdate(context_->ctx, data.data(), data.size());
}

Sha256Digest Sha256::finish() {
    Sha256Digest digest{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_->ctx, digest.data(), &length);
    return digest;
}
#else
struct Sha256::Context {
    SHA256_CTX ctx;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
    if (SHA256_Init(&context_->ctx) != 1) throw std::runtime_error("OpenSSL could not initialise SHA-256");
}

void Sha256::update(std::span<const std::byte> data) {
    if (!data.empty()) SHA256_Update(&context_->ctx, data.data(), data.size());
}

Sha256Digest Sha256::finish() {
    Sha256Digest digest{};
    SHA256_Final(digest.data(), &context_->ctx);
    return digest;
}
#endif

Sha256::~Sha256() = default;

Sha256Digest sha256(std::span<const std::byte> data) {
    Sha256 hash;
    hash.update(data);
    return hash.finish();
}

std::string to_hex(std::span<const unsigned char> digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(digest.size() * 2);
    for (unsigned char byte : digest) {
        hex.push_back(kDigits[byte >> 4]);
        hex.push_back(kDigits[byte & 0xF]);
    }
    return hex;
}

std::string sha256_hex(std::span<const std::byte> data) { return to_hex(sha256(data)); }

std::string sha256_hex(std::string_view text) {
    return sha256_hex(std::as_bytes(std::span(text.data(), text.size())));
}

RAIIAF_DETAIL_NAMESPACE_END
