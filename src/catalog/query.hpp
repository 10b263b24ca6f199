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
};

// Throws QueryError naming the column where the problem starts.
[[nodiscard]] CompiledQuery compile_query(std::string_view query, Backend backend);
// "date", "-seed", ...: an ORDER BY list (ties broken by path). Throws
// InvalidArgument for an unknown field.
[[nodiscard]] std::string order_by(std::string_view sort);

}  // namespace catalog
RAIIAF_NAMESPACE_END
