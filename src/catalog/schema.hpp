// The catalogue's tables, versioned: schema_version holds the version, and
// each migration takes a catalogue from one version to the next.
#pragma once

#include "catalog/database.hpp"

#include "raiiaf/config.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {

inline constexpr int kSchemaVersion = 2;

// The version stored in the catalogue; 0 for an empty database.
[[nodiscard]] int stored_schema_version(Database& db);
// Creates or migrates to `version` (kSchemaVersion but in tests), holding the
// schema lock so that concurrent processes migrate once. Throws CatalogError
// for a catalogue written by a newer library.
void migrate(Database& db, int version = kSchemaVersion);

}  // namespace catalog
RAIIAF_NAMESPACE_END
