// What the indexer can read. Each source is one function that fills an
// IndexedFile from a path; adding a kind of input (exported images with an
// embedded artifact, generator images through the importer) is one more
// function and one row in sources().
#pragma once

#include <filesystem>
#include <mutex>
#include <span>
#include <unordered_set>
#include <string>
#include <string_view>

#include "raiiaf/catalog.hpp"
#include "raiiaf/env.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {

// Digests of environments the catalogue already holds with their components:
// a source need not decode an ENVC chunk whose digest is in here.
class KnownEnvironments {
public:
    [[nodiscard]] bool contains(const std::string& digest) const {
        const std::lock_guard lock(mutex_);
        return digests_.count(digest) != 0;
    }
    void insert(const std::string& digest) {
        const std::lock_guard lock(mutex_);
        digests_.insert(digest);
    }
    void clear() {
        const std::lock_guard lock(mutex_);
        digests_.clear();
    }

private:
    mutable std::mutex mutex_;
    std::unordered_set<std::string> digests_;
};

struct IndexedFile {
    CatalogEntry entry;  // path and stat fields already set by the indexer
    std::string environment_digest;  // the ENVC payload's SHA-256 and the manifest's kept components; empty without either
    Environment environment;         // decoded only when not known already
    bool environment_decoded = false;
    bool recognised = true;  // false: nothing to index (kept so that re-indexing skips it)
    const KnownEnvironments* known_environments = nullptr;  // set by the indexer
};

struct Source {
    std::string_view name;  // stored as CatalogEntry::source
    // Whether this source reads the file (decided from the name, so that
    // walking a folder opens only the files some source reads).
    bool (*accepts)(const std::filesystem::path& path);
    // Fills `file.entry` and returns true; false when the file holds nothing
    // the catalogue indexes (an image without an artifact or generation
    // metadata). Throws raiiaf::Error (or std::exception) when the file is
    // damaged, which the indexer records.
    bool (*read)(const std::filesystem::path& path, IndexedFile& file);
};

// In order of preference: the first that accepts a file reads it.
std::span<const Source> sources();
const Source* source_for(const std::filesystem::path& path);


}  // namespace catalog
RAIIAF_NAMESPACE_END
