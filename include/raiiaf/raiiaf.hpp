// Umbrella header: the whole public C++ API. (The C API is raiiaf/raiiaf.h.)
// Against a read-only build of the library (RAIIAF_READ_ONLY, defined for
// its consumers by the CMake target and pkg-config) it includes the reader
// side only: the headers left out declare what that library does not hold.
#pragma once

#include "raiiaf/bytes.hpp"
#include "raiiaf/codec.hpp"
#include "raiiaf/config.hpp"
#include "raiiaf/dtype.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/json.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/schema.hpp"
#include "raiiaf/tensor.hpp"
#include "raiiaf/version.hpp"

#ifndef RAIIAF_READ_ONLY
#include "raiiaf/atomic_write.hpp"
#include "raiiaf/catalog.hpp"
#include "raiiaf/export.hpp"
#include "raiiaf/import.hpp"
#include "raiiaf/tensor_io.hpp"
#include "raiiaf/writer.hpp"
#endif
