// Umbrella header: the whole public C++ API. (The C API is raiiaf/raiiaf.h.)
#pragma once

#include "raiiaf/atomic_write.hpp"
#include "raiiaf/bytes.hpp"
#include "raiiaf/config.hpp"
#include "raiiaf/dtype.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/import.hpp"
#include "raiiaf/json.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/schema.hpp"
#include "raiiaf/tensor.hpp"
#include "raiiaf/tensor_io.hpp"
#include "raiiaf/version.hpp"
#include "raiiaf/writer.hpp"
