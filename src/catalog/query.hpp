// The query language of `raiiaf find` (docs/CLI.md, "find"), compiled to a
// WHERE clause with bound parameters: user text never becomes SQL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

#include "raiiaf/config.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {

struct CompiledQuery {
    std::string where;  // over "artifact a"; "1 = 1" for an empty query
    std::vector<Value> params;
    // SQLite: the one FTS5 expression that every plain word of the query is
    // joined into (empty when there is none).
    std::string prompt_match;
};

// How the SQLite plan uses prompt_match: look its rows up by id (few
// matches), or test each artifact read in another index's order against it
// (many matches, when that order is the one asked for).
enum class FullTextPlan { look_up, filter };

// Throws QueryError naming the column where the problem starts.
[[nodiscard]] CompiledQuery compile_query(std::string_view query, Backend backend,
                                          FullTextPlan plan = FullTextPlan::look_up);
// "date", "-seed", ...: an ORDER BY list (ties broken by path). Throws
// InvalidArgument for an unknown field.
[[nodiscard]] std::string order_by(std::string_view sort);

}  // namespace catalog
RAIIAF_NAMESPACE_END
