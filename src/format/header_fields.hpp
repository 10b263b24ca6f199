// Where each header field lives in the two layouts (docs/FORMAT.md section 2).
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>

#include "format/little_endian.hpp"
#include "raiiaf/format.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct HeaderField {
    std::size_t offset;
    std::size_t size;  // bytes, little-endian
};

struct HeaderFields {
    HeaderField version_major, version_minor, flags, chunk_table_offset, chunk_table_size, chunk_count, file_size,
        reserved;
};

[[nodiscard]] const HeaderFields& header_fields(Layout layout) noexcept;

RAIIAF_DETAIL_NAMESPACE_END
