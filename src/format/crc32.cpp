#include "format/crc32.hpp"

#include <isa-l/crc.h>
#include <libdeflate.h>

#include "io/shared_library.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

using IsalCrc32 = decltype(&::crc32_gzip_refl);

// Null where ISA-L cannot be loaded.
IsalCrc32 loaded_isal_crc32() {
    static const IsalCrc32 function = [] {
        SharedLibrary library("libisal.so.2", "ISA-L (Debian package libisal2)");
        IsalCrc32 crc = nullptr;
        library.bind(crc, "crc32_gzip_refl");
        return library.loaded() ? crc : nullptr;
    }();
    return function;
}

}  // namespace

std::uint32_t crc32(std::span<const std::byte> data) noexcept {
    if (const IsalCrc32 isal = loaded_isal_crc32())
        return isal(0, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    return libdeflate_crc32(0, data.data(), data.size());
}

bool crc32_uses_isal() noexcept { return loaded_isal_crc32() != nullptr; }

RAIIAF_DETAIL_NAMESPACE_END
