// The library's atomic writes live in the public raiiaf/atomic_write.hpp;
// these names keep the internal callers unchanged.
#pragma once

#include "raiiaf/atomic_write.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN
using raiiaf::AtomicFile;
using raiiaf::write_file_atomically;
RAIIAF_DETAIL_NAMESPACE_END
