// The manifest schema (docs/manifest.schema.json, compiled in). Both the
// reader (file checks) and the writer use it.
#pragma once

#include "raiiaf/config.hpp"

#include <string_view>

#include "raiiaf/format.hpp"

RAIIAF_NAMESPACE_BEGIN

// Validates a manifest document against the schema in docs/manifest.schema.json.
// Throws InvalidArgument naming the JSON path of the first violation.
void validate_manifest(const Json& manifest);
// The schema text (JSON Schema draft-07).
[[nodiscard]] std::string_view manifest_schema();

RAIIAF_NAMESPACE_END
