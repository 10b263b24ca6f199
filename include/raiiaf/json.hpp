// The JSON type of the public API, and bounded parsing for text from outside
// (settings files, command-line values, Python dicts): the manifest reader's
// bounds on nesting depth, keys per object and values per document are checked
// as the tree is built, each value before it is added, in one pass over the
// text, so no input drives the parser into deep recursion, quadratic key
// insertion or unbounded allocation.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "raiiaf/config.hpp"
#include "raiiaf/limits.hpp"

RAIIAF_NAMESPACE_BEGIN

// JSON with insertion order kept, as Python's json module writes it.
using Json = nlohmann::ordered_json;

// Throws InvalidArgument: a syntax error (located at its byte offset) or a
// bound exceeded. NaN and Infinity are not JSON and are refused as syntax.
[[nodiscard]] Json parse_json(std::string_view text, const Limits& limits = {});

// What parse_json would accept as syntax, regardless of bounds (no tree built).
[[nodiscard]] bool is_json_syntax(std::string_view text) noexcept;

RAIIAF_NAMESPACE_END
