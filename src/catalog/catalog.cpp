#include "raiiaf/catalog.hpp"

#include <cmath>
#include <cstdlib>
#include <map>

#include "catalog/database.hpp"
#include "catalog/indexer.hpp"
#include "catalog/query.hpp"
#include "catalog/schema.hpp"
#include "catalog/sources.hpp"

RAIIAF_NAMESPACE_BEGIN

using namespace catalog;

struct Catalog::State {
    std::unique_ptr<Database> db;
};

namespace {

constexpr std::string_view kEntryColumns =
    "a.id, a.path, a.source, a.damaged, a.error, a.error_kind, a.file_size, a.layout, a.version, a.manifest_digest, "
    "a.model, a.model_version, a.prompt, a.negative_prompt, a.seed, a.steps, a.sampler, a.scheduler, a.cfg, a.width, "
    "a.height, a.created, a.image_format, a.image_digest, a.noise_digest, a.generator, a.settings, a.environment_id";

constexpr std::size_t kDetailBatch = 400;

CatalogEntry entry_from(const Row& r) {
    CatalogEntry e;
    e.id = int_of(r[0]).value_or(0);
    e.path = text_of(r[1]);
    e.source = text_of(r[2]);
    e.damaged = int_of(r[3]).value_or(0) == 1;
    e.recognised = int_of(r[3]).value_or(0) != 2;
    e.error = text_of(r[4]);
    e.error_kind = text_of(r[5]);
    e.file_size = static_cast<std::uint64_t>(int_of(r[6]).value_or(0));
    e.layout = text_of(r[7]);
    e.version = text_of(r[8]);
    e.manifest_digest = text_of(r[9]);
    e.model = text_of(r[10]);
    e.model_version = text_of(r[11]);
    e.prompt = text_of(r[12]);
    e.negative_prompt = text_of(r[13]);
    if (const auto key = int_of(r[14])) e.seed = seed_from_key(*key);
    e.steps = int_of(r[15]);
    e.sampler = text_of(r[16]);
    e.scheduler = text_of(r[17]);
    e.cfg = real_of(r[18]);
    e.width = int_of(r[19]);
    e.height = int_of(r[20]);
    e.date = text_of(r[21]);
    e.image_format = text_of(r[22]);
    e.image_digest = text_of(r[23]);
    e.noise_digest = text_of(r[24]);
    e.generator = text_of(r[25]);
    const std::string settings = text_of(r[26]);
    e.settings = settings.empty() ? Json::object() : Json::parse(settings, nullptr, false);
    if (e.settings.is_discarded()) e.settings = Json::object();
    return e;
}

std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
}

// Tags, latents and environment components for the entries, a batch of ids per query.
void add_details(Database& db, std::vector<CatalogEntry>& entries, const std::vector<std::optional<std::int64_t>>& env_ids) {
    std::map<std::int64_t, std::size_t> position;
    for (std::size_t i = 0; i < entries.size(); ++i) position.emplace(entries[i].id, i);
    std::map<std::int64_t, std::vector<std::pair<std::string, std::string>>> environments;
    for (const auto& id : env_ids)
        if (id) environments.emplace(*id, std::vector<std::pair<std::string, std::string>>{});
    for (std::size_t from = 0; from < entries.size(); from += kDetailBatch) {
        const std::size_t n = std::min(kDetailBatch, entries.size() - from);
        std::vector<Value> ids;
        for (std::size_t i = from; i < from + n; ++i) ids.emplace_back(entries[i].id);
        for (const auto& row : db.query("SELECT artifact_id, tag FROM tag WHERE artifact_id IN (" + placeholders(n) + ")", ids))
            entries[position.at(*int_of(row[0]))].tags.push_back(text_of(row[1]));
        for (const auto& row : db.query("SELECT artifact_id, name, dtype, shape, codec, digest FROM latent WHERE artifact_id IN (" +
                                            placeholders(n) + ") ORDER BY artifact_id, position",
                                        ids))
            entries[position.at(*int_of(row[0]))].latents.push_back(
                {text_of(row[1]), text_of(row[2]), text_of(row[3]), text_of(row[4]), text_of(row[5])});
    }
    std::vector<Value> env_list;
    for (const auto& [id, components] : environments) env_list.emplace_back(id);
    for (std::size_t from = 0; from < env_list.size(); from += kDetailBatch) {
        const std::size_t n = std::min(kDetailBatch, env_list.size() - from);
        const std::vector<Value> ids(env_list.begin() + static_cast<std::ptrdiff_t>(from),
                                     env_list.begin() + static_cast<std::ptrdiff_t>(from + n));
        for (const auto& row : db.query("SELECT environment_id, component_id, canonical FROM environment_component "
                                        "WHERE environment_id IN (" + placeholders(n) + ") ORDER BY environment_id, position",
                                        ids))
            environments[*int_of(row[0])].emplace_back(text_of(row[1]), text_of(row[2]));
    }
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (env_ids[i]) entries[i].environment = environments[*env_ids[i]];
}

// Whether a page of `limit` results in path order is found faster by reading
// artifacts in path order and testing each against the full-text matches
// (about limit * rows / matches rows read) than by looking every match up and
// sorting them (`matches` rows). Both cost about a microsecond a row (SQLite,
// 100k artifacts), so the break-even is near sqrt(limit * rows) matches;
// counting stops there.
bool full_text_is_broad(Database& db, const std::string& prompt_match, std::size_t limit) {
    const auto newest = db.query("SELECT max(id) FROM artifact");
    const double rows = static_cast<double>(newest.empty() ? 0 : int_of(newest[0][0]).value_or(0));
    const double break_even = std::ceil(std::sqrt(1.3 * static_cast<double>(limit) * rows));
    if (break_even >= rows) return false;
    const auto threshold = static_cast<std::int64_t>(break_even);
    const auto counted = db.query("SELECT count(*) FROM (SELECT 1 FROM artifact_text WHERE artifact_text MATCH ? LIMIT ?)",
                                  {prompt_match, threshold});
    return !counted.empty() && int_of(counted[0][0]).value_or(0) >= threshold;
}

std::vector<CatalogEntry> select_entries(Database& db, const std::string& where, const std::vector<Value>& params,
                                         const FindOptions& options) {
    std::string sql = "SELECT " + std::string(kEntryColumns) + " FROM artifact a WHERE " + where + " ORDER BY " +
                      order_by(options.sort);
    std::vector<Value> all = params;
    if (options.limit) {
        sql += " LIMIT ?";
        all.emplace_back(static_cast<std::int64_t>(std::min<std::size_t>(*options.limit, INT64_MAX)));
    }
    std::vector<CatalogEntry> entries;
    std::vector<std::optional<std::int64_t>> env_ids;
    for (const auto& row : db.query(sql, all)) {
        entries.push_back(entry_from(row));
        env_ids.push_back(int_of(row[27]));
    }
    add_details(db, entries, env_ids);
    return entries;
}

}  // namespace

Json to_json(const CatalogEntry& e) {
    const auto optional = [](const auto& v) { return v ? Json(*v) : Json(); };
    Json out = {{"path", e.path}, {"source", e.source}, {"damaged", e.damaged}};
    if (!e.recognised) {
        out["recognised"] = false;
        out["file_size"] = e.file_size;
        return out;
    }
    if (e.damaged) {
        out["error"] = e.error;
        out["error_kind"] = e.error_kind;
        out["file_size"] = e.file_size;
        return out;
    }
    Json latents = Json::array();
    for (const auto& l : e.latents)
        latents.push_back({{"name", l.name}, {"dtype", l.dtype}, {"shape", l.shape}, {"codec", l.codec}, {"digest", l.digest}});
    Json environment = Json::array();
    for (const auto& [id, canonical] : e.environment) environment.push_back({{"id", id}, {"canonical", canonical}});
    out.update(Json{{"file_size", e.file_size},
                    {"layout", e.layout},
                    {"version", e.version},
                    {"manifest_digest", e.manifest_digest},
                    {"model", e.model},
                    {"model_version", e.model_version},
                    {"prompt", e.prompt},
                    {"negative_prompt", e.negative_prompt},
                    {"tags", e.tags},
                    {"seed", optional(e.seed)},
                    {"steps", optional(e.steps)},
                    {"sampler", e.sampler},
                    {"scheduler", e.scheduler},
                    {"cfg", optional(e.cfg)},
                    {"width", optional(e.width)},
                    {"height", optional(e.height)},
                    {"date", e.date},
                    {"image_format", e.image_format},
                    {"image_digest", e.image_digest},
                    {"noise_digest", e.noise_digest},
                    {"generator", e.generator},
                    {"settings", e.settings},
                    {"latents", latents},
                    {"environment", environment}});
    return out;
}

Catalog::Catalog(std::unique_ptr<State> state) : state_(std::move(state)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

Catalog Catalog::open(const std::string& location) {
    auto state = std::make_unique<State>();
    if (location.starts_with("postgresql://") || location.starts_with("postgres://")) {
        state->db = open_postgresql(location);
    } else {
        if (location.empty()) throw CatalogError("no catalogue location given");
        const std::filesystem::path path(location);
        std::error_code ec;
        if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
        state->db = open_sqlite(location);
    }
    migrate(*state->db);
    return Catalog(std::move(state));
}

std::string Catalog::default_location() {
    if (const char* explicit_location = std::getenv("RAIIAF_CATALOG"); explicit_location && *explicit_location)
        return explicit_location;
    if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache)
        return (std::filesystem::path(cache) / "raiiaf" / "catalog.sqlite").string();
    const char* home = std::getenv("HOME");
    return (std::filesystem::path(home && *home ? home : ".") / ".cache" / "raiiaf" / "catalog.sqlite").string();
}

int Catalog::current_schema_version() noexcept { return kSchemaVersion; }

int Catalog::schema_version() const { return stored_schema_version(*state_->db); }

std::string Catalog::backend() const { return state_->db->backend() == Backend::sqlite ? "sqlite" : "postgresql"; }

IndexSummary Catalog::index(const std::vector<std::filesystem::path>& roots, const IndexOptions& options) {
    return index_roots(*state_->db, roots, options);
}

std::vector<CatalogEntry> Catalog::find(std::string_view query, const FindOptions& options) const {
    Database& db = *state_->db;
    CompiledQuery compiled = compile_query(query, db.backend());
    const bool path_order = options.sort.empty() || options.sort == "path" || options.sort == "-path";
    if (!compiled.prompt_match.empty() && options.limit && path_order && full_text_is_broad(db, compiled.prompt_match, *options.limit))
        compiled = compile_query(query, db.backend(), FullTextPlan::filter);
    return select_entries(db, compiled.where, compiled.params, options);
}

std::vector<CatalogEntry> Catalog::same_noise(const std::filesystem::path& file, const FindOptions& options) const {
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::canonical(file, ec);
    if (ec) throw IoError(file.string() + ": " + ec.message());
    std::string digest;
    const auto rows = state_->db->query("SELECT noise_digest FROM artifact WHERE path = ? AND damaged = 0", {absolute.string()});
    if (!rows.empty()) {
        digest = text_of(rows[0][0]);
    } else {
        const Source* source = source_for(absolute);
        if (source == nullptr) throw InvalidArgument(file.string() + ": not a kind of file the catalogue reads");
        IndexedFile indexed;
        source->read(absolute, indexed);
        digest = indexed.entry.noise_digest;
    }
    if (digest.empty()) throw InvalidArgument(file.string() + ": has no latents, so no initial noise to compare");
    return select_entries(*state_->db, "a.damaged = 0 AND a.noise_digest = ? AND a.path <> ?", {digest, absolute.string()},
                          options);
}

std::vector<Catalog::DuplicateGroup> Catalog::duplicates() const {
    std::vector<DuplicateGroup> groups;
    for (const std::string kind : {"image", "noise"}) {
        const std::string column = "a." + kind + "_digest";
        const std::string sql = "SELECT " + std::string(kEntryColumns) + " FROM artifact a WHERE a.damaged = 0 AND " + column +
                                " IN (SELECT " + kind + "_digest FROM artifact WHERE damaged = 0 AND " + kind +
                                "_digest IS NOT NULL GROUP BY " + kind + "_digest HAVING count(*) > 1) ORDER BY " + column +
                                ", a.path";
        std::vector<CatalogEntry> entries;
        std::vector<std::optional<std::int64_t>> env_ids;
        for (const auto& row : state_->db->query(sql)) {
            entries.push_back(entry_from(row));
            env_ids.push_back(int_of(row[27]));
        }
        add_details(*state_->db, entries, env_ids);
        for (auto& e : entries) {
            const std::string& digest = kind == "image" ? e.image_digest : e.noise_digest;
            if (groups.empty() || groups.back().kind != kind || groups.back().digest != digest)
                groups.push_back({kind, digest, {}});
            groups.back().entries.push_back(std::move(e));
        }
    }
    return groups;
}

std::size_t Catalog::size() const {
    const auto rows = state_->db->query("SELECT count(*) FROM artifact");
    return rows.empty() ? 0 : static_cast<std::size_t>(int_of(rows[0][0]).value_or(0));
}

RAIIAF_NAMESPACE_END
