// libspng, loaded on first use rather than linked (src/io/shared_library.hpp):
// only commands that check or decode a PNG load it.
#pragma once

#include <spng.h>

#include <string>

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct Spng {
#define RAIIAF_SPNG_FUNCTIONS(X)                                                                              \
    X(spng_ctx_new) X(spng_ctx_free) X(spng_set_crc_action) X(spng_set_png_buffer) X(spng_get_ihdr)          \
    X(spng_strerror) X(spng_decode_image) X(spng_decode_row) X(spng_version_string)
#define RAIIAF_SPNG_POINTER(name) decltype(&::name) name = nullptr;
    RAIIAF_SPNG_FUNCTIONS(RAIIAF_SPNG_POINTER)
#undef RAIIAF_SPNG_POINTER
    // Why libspng cannot be used ("libspng (Debian package libspng0) cannot be
    // loaded: ..."); empty once loaded. Callers throw it as their own error.
    std::string error;
};

// The table, loaded on the first call (thread-safe).
[[nodiscard]] const Spng& loaded_spng();

RAIIAF_DETAIL_NAMESPACE_END
