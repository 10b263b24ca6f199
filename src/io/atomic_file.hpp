// The library's atomic writes live in the public raiiaf/atomic_write.hpp;
// these names keep the internal callers unchanged.
#pragma once

#include "raiiaf/atomic_write.hpp"

namespace raiiaf::detail {
using raiiaf::AtomicFile;
using raiiaf::write_file_atomically;
}  // namespace raiiaf::detail
