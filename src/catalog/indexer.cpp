// Walk, compare with what the catalogue holds, read what changed on all
// cores, write in batches. Unchanged files (same size, mtime and inode) are
// never opened; a file whose stat changed but whose manifest digest did not
// only has its stat fields refreshed.
#include "catalog/indexer.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "catalog/sources.hpp"
#include "raiiaf/reader.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kBatchSize = 512;
constexpr int kTransientRetries = 8;

struct FileStat {
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t inode = 0;
};

struct Known {
    std::int64_t id = 0;
    FileStat stat;
    std::string manifest_digest;
    bool damaged = false;
};

struct Candidate {
    std::string path;
    FileStat stat;
    const Source* source = nullptr;
};

std::optional<FileStat> stat_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return FileStat{static_cast<std::int64_t>(st.st_size),
                    static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                    static_cast<std::int64_t>(st.st_ino)};
}

std::string error_kind_of(const std::exception& e) {
    const auto* error = dynamic_cast<const Error*>(&e);
    return std::string(error_code_name(error ? error->code() : ErrorCode::other));
}

IndexedFile read_candidate(const Candidate& c, const KnownEnvironments& known_environments) {
    IndexedFile file;
    file.known_environments = &known_environments;
    file.entry.path = c.path;
    file.entry.source = std::string(c.source->name);
    file.entry.file_size = static_cast<std::uint64_t>(c.stat.size);
    try {
        file.recognised = c.source->read(c.path, file);
    } catch (const std::exception& e) {
        const std::string source(file.entry.source);
        file = IndexedFile{};
        file.entry.path = c.path;
        file.entry.source = source;
        file.entry.file_size = static_cast<std::uint64_t>(c.stat.size);
        file.entry.damaged = true;
        file.entry.error = e.what();
        file.entry.error_kind = error_kind_of(e);
    }
    return file;
}

Value optional_text(const std::string& text) { return text.empty() ? Value(nullptr) : Value(text); }
template <class T>
Value optional_value(const std::optional<T>& v) {
    if (!v) return nullptr;
    if constexpr (std::is_floating_point_v<T>) return static_cast<double>(*v);
    else return static_cast<std::int64_t>(*v);
}

class Writer {
public:
    Writer(Database& db, KnownEnvironments& known_environments) : db_(db), known_environments_(known_environments) {
        for (const auto& row : db_.query("SELECT id, digest FROM environment")) {
            environment_ids_.emplace(text_of(row[1]), int_of(row[0]).value_or(0));
            known_environments_.insert(text_of(row[1]));
        }
    }

    // Writes one batch in one transaction, in path order (so that concurrent
    // PostgreSQL writers take row locks in the same order), retrying when a
    // concurrent writer made the transaction fail.
    void write(std::vector<std::pair<IndexedFile, FileStat>>& batch) {
        std::sort(batch.begin(), batch.end(), [](const auto& x, const auto& y) { return x.first.entry.path < y.first.entry.path; });
        for (int attempt = 0;; ++attempt) {
            try {
                WriteTransaction transaction(db_);
                for (auto& [file, stat] : batch) upsert(file, stat);
                transaction.commit();
                return;
            } catch (const TransientError&) {
                // Environments made in the rolled-back transaction are gone.
                environment_ids_.clear();
                known_environments_.clear();
                if (attempt >= kTransientRetries) throw;
            }
        }
    }

    void touch(const std::vector<std::pair<std::int64_t, FileStat>>& rows) {
        WriteTransaction transaction(db_);
        for (const auto& [id, stat] : rows)
            db_.query("UPDATE artifact SET file_size = ?, mtime_ns = ?, inode = ? WHERE id = ?",
                      {stat.size, stat.mtime_ns, stat.inode, id});
        transaction.commit();
    }

    void remove(const std::vector<std::string>& paths) {
        for (std::size_t from = 0; from < paths.size(); from += kBatchSize) {
            WriteTransaction transaction(db_);
            for (std::size_t i = from; i < std::min(paths.size(), from + kBatchSize); ++i)
                db_.query("DELETE FROM artifact WHERE path = ?", {paths[i]});
            transaction.commit();
        }
    }

private:
    std::optional<std::int64_t> environment_id(const IndexedFile& file) {
        if (file.environment_digest.empty()) return std::nullopt;
        if (const auto found = environment_ids_.find(file.environment_digest); found != environment_ids_.end())
            return found->second;
        auto rows = db_.query("INSERT INTO environment (digest) VALUES (?) ON CONFLICT (digest) DO NOTHING RETURNING id",
                              {file.environment_digest});
        std::int64_t id = 0;
        if (!rows.empty()) {
            id = int_of(rows[0][0]).value_or(0);
            Environment decoded;
            const Environment* env = &file.environment;
            if (!file.environment_decoded) {  // skipped as known, but not (or no longer) in the catalogue
                decoded = Reader::open(file.entry.path).environment().value_or(Environment{});
                env = &decoded;
            }
            for (std::size_t i = 0; i < env->components.size(); ++i) {
                const auto& c = env->components[i];
                db_.query("INSERT INTO environment_component (environment_id, position, component_id, canonical) "
                          "VALUES (?, ?, ?, ?)",
                          {id, static_cast<std::int64_t>(i), c.id, c.canonical});
            }
        } else {
            rows = db_.query("SELECT id FROM environment WHERE digest = ?", {file.environment_digest});
            if (rows.empty()) throw CatalogError("environment " + file.environment_digest + " vanished while indexing");
            id = int_of(rows[0][0]).value_or(0);
        }
        environment_ids_.emplace(file.environment_digest, id);
        known_environments_.insert(file.environment_digest);
        return id;
    }

    void upsert(const IndexedFile& file, const FileStat& stat) {
        const CatalogEntry& e = file.entry;
        const auto env_id = environment_id(file);
        const std::vector<Value> params = {
            e.path, stat.size, stat.mtime_ns, stat.inode, e.source, std::int64_t{!file.recognised ? 2 : e.damaged ? 1 : 0},
            optional_text(e.error), optional_text(e.error_kind), optional_text(e.layout), optional_text(e.version),
            optional_text(e.manifest_digest), optional_text(e.model), optional_text(e.model_version),
            optional_text(e.prompt), optional_text(e.negative_prompt),
            e.seed ? Value(seed_key(*e.seed)) : Value(nullptr), optional_value(e.steps), optional_text(e.sampler),
            optional_text(e.scheduler), optional_value(e.cfg), optional_value(e.width), optional_value(e.height),
            optional_text(e.date), optional_text(e.image_format), optional_text(e.image_digest),
            optional_text(e.noise_digest), optional_text(e.generator),
            e.damaged ? Value(nullptr) : Value(e.settings.dump()), optional_value(env_id)};
        static const std::string insert =
            "INSERT INTO artifact (path, file_size, mtime_ns, inode, source, damaged, error, error_kind, layout, version, "
            "manifest_digest, model, model_version, prompt, negative_prompt, seed, steps, sampler, scheduler, cfg, width, "
            "height, created, image_format, image_digest, noise_digest, generator, settings, environment_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ";
        // A new path has no tags or latents to delete (the common case of a cold index).
        auto rows = db_.query(insert + "ON CONFLICT (path) DO NOTHING RETURNING id", params);
        if (!rows.empty()) {
            insert_children(int_of(rows[0][0]).value_or(0), e);
            return;
        }
        rows = db_.query(
            insert +
            "ON CONFLICT (path) DO UPDATE SET file_size = excluded.file_size, mtime_ns = excluded.mtime_ns, "
            "inode = excluded.inode, source = excluded.source, damaged = excluded.damaged, error = excluded.error, "
            "error_kind = excluded.error_kind, layout = excluded.layout, version = excluded.version, "
            "manifest_digest = excluded.manifest_digest, model = excluded.model, model_version = excluded.model_version, "
            "prompt = excluded.prompt, negative_prompt = excluded.negative_prompt, seed = excluded.seed, "
            "steps = excluded.steps, sampler = excluded.sampler, scheduler = excluded.scheduler, cfg = excluded.cfg, "
            "width = excluded.width, height = excluded.height, created = excluded.created, "
            "image_format = excluded.image_format, image_digest = excluded.image_digest, "
            "noise_digest = excluded.noise_digest, generator = excluded.generator, settings = excluded.settings, "
            "environment_id = excluded.environment_id RETURNING id",
            params);
        const std::int64_t id = int_of(rows.at(0).at(0)).value_or(0);
        db_.query("DELETE FROM tag WHERE artifact_id = ?", {id});
        db_.query("DELETE FROM latent WHERE artifact_id = ?", {id});
        insert_children(id, e);
    }

    void insert_children(std::int64_t id, const CatalogEntry& e) {
        for (const auto& tag : e.tags) db_.query("INSERT INTO tag (artifact_id, tag) VALUES (?, ?)", {id, tag});
        for (std::size_t i = 0; i < e.latents.size(); ++i) {
            const auto& l = e.latents[i];
            db_.query("INSERT INTO latent (artifact_id, position, name, dtype, shape, codec, digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      {id, static_cast<std::int64_t>(i), l.name, l.dtype, l.shape, l.codec, l.digest});
        }
    }

    Database& db_;
    KnownEnvironments& known_environments_;
    std::unordered_map<std::string, std::int64_t> environment_ids_;
};

// Root as stored: absolute, normal, symlinks resolved (so two spellings of one folder agree).
fs::path normal_root(const fs::path& root) {
    std::error_code ec;
    if (!fs::exists(root, ec)) throw IoError(root.string() + ": no such file or directory");
    fs::path canonical = fs::canonical(root, ec);
    if (ec) throw IoError(root.string() + ": " + ec.message());
    return canonical;
}

void walk(const fs::path& root, std::vector<Candidate>& out) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        const Source* source = source_for(root);
        if (source == nullptr) return;
        if (const auto st = stat_of(root.string())) out.push_back({root.string(), *st, source});
        return;
    }
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw IoError(root.string() + ": " + ec.message());
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
            ec.clear();
            continue;
        }
        const Source* source = source_for(it->path());
        if (source == nullptr) continue;
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        std::string path = it->path().string();
        if (const auto st = stat_of(path)) out.push_back({std::move(path), *st, source});
    }
}

// What the catalogue holds under root: the folder's files, or the file itself.
void load_known(Database& db, const fs::path& root, std::unordered_map<std::string, Known>& known) {
    std::vector<Row> rows;
    const std::string columns = "SELECT path, id, file_size, mtime_ns, inode, manifest_digest, damaged FROM artifact WHERE ";
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
        std::string prefix = root.string();
        if (!prefix.ends_with('/')) prefix += '/';
        std::string after = prefix;
        after.back() = static_cast<char>('/' + 1);  // the first string past every "prefix..."
        rows = db.query(columns + "path >= ? AND path < ?", {prefix, after});
    } else {
        rows = db.query(columns + "path = ?", {root.string()});
    }
    for (auto& row : rows) {
        Known k;
        k.id = int_of(row[1]).value_or(0);
        k.stat = {int_of(row[2]).value_or(-1), int_of(row[3]).value_or(-1), int_of(row[4]).value_or(-1)};
        k.manifest_digest = text_of(row[5]);
        k.damaged = int_of(row[6]).value_or(0) != 0;
        known.emplace(text_of(row[0]), std::move(k));
    }
}

// The planner's statistics once a tenth of the rows changed since they were
// taken (or in this run), as PostgreSQL's autovacuum decides by default.
void refresh_statistics_if_stale(Database& db, std::size_t changed) {
    if (changed == 0) return;
    const auto counted = db.query("SELECT count(*) FROM artifact");
    const std::int64_t rows = counted.empty() ? 0 : int_of(counted[0][0]).value_or(0);
    const auto then = db.rows_at_last_statistics();
    const auto stale = [&](std::int64_t difference) { return difference * 10 >= rows; };
    if (!then || stale(static_cast<std::int64_t>(changed)) || stale(std::abs(rows - *then))) db.refresh_statistics();
}

}  // namespace

IndexSummary index_roots(Database& db, const std::vector<fs::path>& roots, const IndexOptions& options) {
    IndexSummary summary;
    std::vector<Candidate> candidates;
    std::unordered_map<std::string, Known> known;
    std::vector<fs::path> normal_roots;
    for (const auto& root : roots) normal_roots.push_back(normal_root(root));
    for (const auto& root : normal_roots) {
        walk(root, candidates);
        load_known(db, root, known);
    }
    // One folder given twice (or inside another) lists files twice.
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) { return x.path < y.path; });
    candidates.erase(std::unique(candidates.begin(), candidates.end(),
                                 [](const Candidate& x, const Candidate& y) { return x.path == y.path; }),
                     candidates.end());
    summary.seen = candidates.size();

    std::vector<const Candidate*> to_read;
    std::unordered_set<std::string> present;
    present.reserve(candidates.size());
    for (const auto& c : candidates) {
        present.insert(c.path);
        const auto found = known.find(c.path);
        if (found != known.end() && found->second.stat.size == c.stat.size &&
            found->second.stat.mtime_ns == c.stat.mtime_ns && found->second.stat.inode == c.stat.inode) {
            ++summary.unchanged;
            continue;
        }
        to_read.push_back(&c);
    }
    // Gone from disk: removed at the end; a new file with a gone file's
    // manifest is counted as moved.
    std::vector<std::string> gone;
    std::unordered_multiset<std::string> gone_manifests;
    for (const auto& [path, k] : known) {
        if (present.count(path)) continue;
        gone.push_back(path);
        if (!k.manifest_digest.empty()) gone_manifests.insert(k.manifest_digest);
    }
    std::sort(gone.begin(), gone.end());

    // Readers on every core; the writer (this thread) batches their results.
    const unsigned threads = std::max(1u, std::min<unsigned>(options.threads ? options.threads : std::thread::hardware_concurrency(),
                                                            static_cast<unsigned>(std::max<std::size_t>(1, to_read.size()))));
    KnownEnvironments known_environments;
    Writer writer(db, known_environments);
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<IndexedFile> results;
    std::size_t finished_workers = 0;
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (std::size_t i; (i = next.fetch_add(1)) < to_read.size();) {
                IndexedFile file = read_candidate(*to_read[i], known_environments);
                const std::lock_guard lock(mutex);
                results.push_back(std::move(file));
                ready.notify_one();
            }
            const std::lock_guard lock(mutex);
            ++finished_workers;
            ready.notify_one();
        });
    }

    std::unordered_map<std::string, const Candidate*> by_path;
    for (const Candidate* c : to_read) by_path.emplace(c->path, c);
    std::vector<std::pair<IndexedFile, FileStat>> batch;
    std::vector<std::pair<std::int64_t, FileStat>> touched;
    std::size_t done = 0;
    const auto flush = [&] {
        if (!batch.empty()) writer.write(batch);
        if (!touched.empty()) writer.touch(touched);
        batch.clear();
        touched.clear();
    };
    try {
        for (;;) {
            std::deque<IndexedFile> taken;
            {
                std::unique_lock lock(mutex);
                ready.wait(lock, [&] { return !results.empty() || finished_workers == threads; });
                if (results.empty() && finished_workers == threads) break;
                taken.swap(results);
            }
            for (IndexedFile& file : taken) {
                ++done;
                const Candidate& c = *by_path.at(file.entry.path);
                const auto old = known.find(c.path);
                if (old != known.end() && !file.entry.damaged && !old->second.damaged &&
                    old->second.manifest_digest == file.entry.manifest_digest) {
                    ++summary.unchanged;  // touched, or copied over with the same content
                    touched.emplace_back(old->second.id, c.stat);
                    continue;
                }
                if (old == known.end()) {
                    ++summary.added;
                    if (const auto m = gone_manifests.find(file.entry.manifest_digest);
                        !file.entry.damaged && m != gone_manifests.end()) {
                        ++summary.moved;
                        gone_manifests.erase(m);
                    }
                } else {
                    ++summary.updated;
                }
                if (!file.recognised) ++summary.unrecognised;
                if (file.entry.damaged) {
                    ++summary.damaged;
                    summary.damaged_files.emplace_back(file.entry.path, file.entry.error);
                }
                batch.emplace_back(std::move(file), c.stat);
            }
            if (batch.size() + touched.size() >= kBatchSize) flush();
            if (options.progress) options.progress(done, to_read.size());
        }
        flush();
    } catch (...) {
        next.store(to_read.size());  // stop the readers before unwinding
        throw;
    }
    workers.clear();
    writer.remove(gone);
    summary.deleted = gone.size() - summary.moved;
    refresh_statistics_if_stale(db, summary.added + summary.updated + summary.deleted);
    return summary;
}

}  // namespace catalog
RAIIAF_NAMESPACE_END
