// JSON text in and out, the way the files in the wild hold it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "raiiaf/format.hpp"

namespace raiiaf::detail {

struct JsonTextError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses JSON, first refusing nesting deeper than `max_depth` (so no parser
// recursion or allocation is driven by a hostile document). Throws JsonTextError.
[[nodiscard]] Json parse_json(std::string_view text, std::uint32_t max_depth);

// The text Python's json.dumps(value, indent=2) writes: ensure_ascii escapes,
// ", "/": " separators, no trailing newline. Throws JsonTextError on strings
// that are not valid UTF-8.
[[nodiscard]] std::string dump_python_json(const Json& value);

}  // namespace raiiaf::detail
