// Umbrella header: the whole public API.
#pragma once

#include "raiiaf/bytes.hpp"
#include "raiiaf/dtype.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/export.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/import.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/tensor.hpp"
#include "raiiaf/version.hpp"
#include "raiiaf/writer.hpp"
