// JSON text in and out, the way the files in the wild hold it.
#pragma once

#include "raiiaf/config.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "raiiaf/format.hpp"
#include "raiiaf/limits.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct JsonTextError : std::runtime_error {
    JsonTextError(const std::string& what, std::optional<std::uint64_t> offset, bool exceeds_limits = false)
        : std::runtime_error(what), offset(offset), exceeds_limits(exceeds_limits) {}
    std::optional<std::uint64_t> offset;  // byte offset in the text, where known
    bool exceeds_limits;                  // valid syntax (so far), but over a bound
};

// Checks the text against the limits' JSON bounds (nesting depth, keys per
// object, values per document) and its syntax, without building anything, so
// that no hostile document drives the tree builder into deep recursion,
// quadratic key insertion or unbounded allocation. Throws JsonTextError.
void check_json_text(std::string_view text, const Limits& limits);

// The tree, with check_json_text's bounds (the same errors, at the same
// places): built in the same pass when the text is too short to exceed the
// member and value limits, else checked first so that a hostile text is
// refused before a tree is built. Throws JsonTextError.
[[nodiscard]] Json parse_json(std::string_view text, const Limits& limits);

// Told of each object key before the tree takes it: the depth of its object
// (1: the top level) and whether that object has the key already (the tree
// would keep the last of duplicates). It may throw to refuse the document.
using JsonKeyObserver = std::function<void(std::size_t depth, const std::string& key, bool duplicate)>;
// parse_json, telling `observe` of every key, in one pass whatever the text's
// length: the tree never grows past a bound, so refusing a hostile text costs
// no more than building the largest one within the bounds.
[[nodiscard]] Json parse_json(std::string_view text, const Limits& limits, const JsonKeyObserver& observe);

// The same bounds for a tree built in memory (by an API caller, from a Python
// dict), walked without recursion so that no depth can exhaust the stack, and
// refusing NaN and Infinity, which JSON cannot hold. Throws JsonTextError
// whose message names the JSON path below `path` of the first problem.
void check_json_tree(const Json& value, const Limits& limits, const std::string& path);

// The text Python's json.dumps(value, indent=2) writes: ensure_ascii escapes,
// ", "/": " separators, no trailing newline. Throws JsonTextError on strings
// that are not valid UTF-8.
[[nodiscard]] std::string dump_python_json(const Json& value);

RAIIAF_DETAIL_NAMESPACE_END
