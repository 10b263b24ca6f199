// The catalogue: an index of artifacts in SQLite (one file, the default) or
// PostgreSQL (shared by a team), queried with a small language (docs/CLI.md,
// "find"). It is a cache: deleting it loses nothing, re-indexing rebuilds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/format.hpp"

RAIIAF_NAMESPACE_BEGIN

struct CatalogLatent {
    std::string name;
    std::string dtype;
    std::string shape;  // "1x4x128x128", "scalar"
    std::string codec;
    std::string digest;  // SHA-256 of the tensor bytes (the chunk record's hash)
};

// One indexed file, as the catalogue holds it.
struct CatalogEntry {
    std::int64_t id = 0;
    std::string path;  // absolute
    std::string source;  // "artifact" (.raiiaf/.gen5), "embedded" (exported image), "imported" (generator image)
    bool damaged = false;
    bool recognised = true;  // false: an image with nothing to index (listed by state:other)
    std::string error;       // why it is damaged
    std::string error_kind;  // "MetadataError", "IoError", ...
    std::uint64_t file_size = 0;
    std::string layout;   // "raiiaf", "gen5"
    std::string version;  // "1.0"
    std::string manifest_digest;
    std::string model;
    std::string model_version;
    std::string prompt;
    std::string negative_prompt;
    std::vector<std::string> tags;
    std::optional<std::uint64_t> seed;  // exact; unset when absent or not an unsigned 64-bit integer
    std::optional<std::int64_t> steps;
    std::string sampler;
    std::string scheduler;
    std::optional<double> cfg;
    std::optional<std::int64_t> width;
    std::optional<std::int64_t> height;
    std::string date;  // as recorded: ISO 8601 UTC
    std::string image_format;
    std::string image_digest;
    std::string noise_digest;  // the initial-noise latent's digest (see docs/CLI.md)
    std::string generator;     // imported images: the program that made them
    Json settings = Json::object();  // every generation setting as recorded
    std::vector<CatalogLatent> latents;
    // "component_id" -> canonical string, in file order
    std::vector<std::pair<std::string, std::string>> environment;
};

// The entry as JSON (the keys `raiiaf find --json` prints; docs/CLI.md).
[[nodiscard]] Json to_json(const CatalogEntry& entry);

struct IndexOptions {
    unsigned threads = 0;  // 0: one per core
    // Called on the indexing thread as files are read: (files done, files to read).
    std::function<void(std::size_t, std::size_t)> progress;
};

struct IndexSummary {
    std::size_t seen = 0;       // files found under the directories
    std::size_t added = 0;      // new to the catalogue
    std::size_t updated = 0;    // changed since the last index
    std::size_t unchanged = 0;  // skipped: same size, mtime and inode (or same manifest)
    std::size_t moved = 0;      // gone from one path, found at another (counted in added too)
    std::size_t deleted = 0;    // gone from disk, removed from the catalogue
    std::size_t damaged = 0;    // recorded as damaged (new or changed this run)
    // Images (new or changed this run) with neither an embedded artifact nor
    // generation metadata: kept, so that re-indexing skips them, but never found.
    std::size_t unrecognised = 0;
    std::vector<std::pair<std::string, std::string>> damaged_files;  // path, error (this run)
};

struct FindOptions {
    std::optional<std::size_t> limit;
    // A field name (docs/CLI.md), "-" in front for descending; empty: by path.
    std::string sort;
};

class Catalog {
public:
    // `location`: a file path (SQLite, created when missing) or a
    // postgresql:// / postgres:// URL (libpq). Creates or migrates the schema.
    // Throws CatalogError when it cannot.
    static Catalog open(const std::string& location);
    // $RAIIAF_CATALOG, else $XDG_CACHE_HOME/raiiaf/catalog.sqlite, else
    // ~/.cache/raiiaf/catalog.sqlite.
    static std::string default_location();
    // The schema version this library writes.
    static int current_schema_version() noexcept;

    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;
    ~Catalog();

    [[nodiscard]] int schema_version() const;
    [[nodiscard]] std::string backend() const;  // "sqlite" or "postgresql"

    // Walks the directories (files given directly are indexed too), reads
    // what changed, removes what is gone from under them. Damaged files are
    // recorded, never fatal. Throws IoError for a directory that does not exist.
    IndexSummary index(const std::vector<std::filesystem::path>& roots, const IndexOptions& options = {});

    // Throws QueryError for a query that does not parse.
    [[nodiscard]] std::vector<CatalogEntry> find(std::string_view query, const FindOptions& options = {}) const;
    // Artifacts whose initial noise has the same digest as `file`'s (the file
    // itself excluded). Reads `file`'s manifest when the catalogue lacks it.
    [[nodiscard]] std::vector<CatalogEntry> same_noise(const std::filesystem::path& file,
                                                       const FindOptions& options = {}) const;
    // Groups of two or more artifacts sharing an image digest or an initial-noise digest.
    struct DuplicateGroup {
        std::string kind;    // "image" or "noise"
        std::string digest;
        std::vector<CatalogEntry> entries;
    };
    [[nodiscard]] std::vector<DuplicateGroup> duplicates() const;
    [[nodiscard]] std::size_t size() const;  // entries, damaged included

private:
    struct State;
    explicit Catalog(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

RAIIAF_NAMESPACE_END
