// The JSON type of the public API.
#pragma once

#include "raiiaf/config.hpp"

#include <nlohmann/json.hpp>

RAIIAF_NAMESPACE_BEGIN

// JSON with insertion order kept, as Python's json module writes it.
using Json = nlohmann::ordered_json;

RAIIAF_NAMESPACE_END
