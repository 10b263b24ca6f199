#include "format/spng_library.hpp"

#include "io/shared_library.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

const Spng& loaded_spng() {
    static const Spng table = [] {
        Spng spng;
        SharedLibrary library("libspng.so.0", "libspng (Debian package libspng0)");
#define RAIIAF_SPNG_BIND(name) library.bind(spng.name, #name);
        RAIIAF_SPNG_FUNCTIONS(RAIIAF_SPNG_BIND)
#undef RAIIAF_SPNG_BIND
        spng.error = library.error();
        return spng;
    }();
    return table;
}

RAIIAF_DETAIL_NAMESPACE_END
