// Building and updating a catalogue from folders (Catalog::index).
#pragma once

#include <filesystem>
#include <vector>

#include "catalog/database.hpp"
#include "raiiaf/catalog.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {

IndexSummary index_roots(Database& db, const std::vector<std::filesystem::path>& roots, const IndexOptions& options);

}  // namespace catalog
RAIIAF_NAMESPACE_END
