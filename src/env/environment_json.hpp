// An ENVC document already parsed as JSON (the environment a manifest embeds):
// checked and converted as parse_environment does, without printing it and
// parsing it again. Throws EnvChunkError with the JSON path of the problem.
#pragma once

#include "raiiaf/env.hpp"
#include "raiiaf/json.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

[[nodiscard]] Environment environment_from_json(const Json& document);
// The ENVC document of an environment (what serialize_environment prints).
[[nodiscard]] Json environment_to_json(const Environment& env);

RAIIAF_DETAIL_NAMESPACE_END
