// Building and updating a catalogue from folders (Catalog::index).
#pragma once

#include <filesystem>
#include <vector>

#include "catalog/database.hpp"
#include "raiiaf/catalog.hpp"

namespace raiiaf::catalog {

IndexSummary index_roots(Database& db, const std::vector<std::filesystem::path>& roots, const IndexOptions& options);

}  // namespace raiiaf::catalog
