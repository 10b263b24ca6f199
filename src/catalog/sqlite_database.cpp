// The SQLite backend: one file, WAL journal so readers never wait for the
// indexer, a busy timeout so concurrent indexers queue instead of failing.
#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <map>
#include <thread>

#include "catalog/database.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {

std::optional<std::int64_t> int_of(const Value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
    if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
    if (const auto* s = std::get_if<std::string>(&v)) {
        std::int64_t out = 0;
        const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
        if (ec == std::errc() && end == s->data() + s->size()) return out;
    }
    return std::nullopt;
}

std::optional<double> real_of(const Value& v) {
    if (const auto* d = std::get_if<double>(&v)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (const auto* s = std::get_if<std::string>(&v)) {
        double out = 0;
        const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
        if (ec == std::errc() && end == s->data() + s->size()) return out;
    }
    return std::nullopt;
}

namespace {

constexpr int kBusyTimeoutMs = 120'000;

class SqliteDatabase final : public Database {
public:
    explicit SqliteDatabase(const std::string& path) : path_(path) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                       nullptr);
        if (rc != SQLITE_OK) {
            const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close(db_);
            db_ = nullptr;
            throw CatalogError("cannot open the catalogue " + path + ": " + message);
        }
        sqlite3_busy_timeout(db_, kBusyTimeoutMs);
        sqlite3_extended_result_codes(db_, 1);
        try {
            switch_to_wal();
            execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        } catch (...) {
            close();
            throw;
        }
    }
    ~SqliteDatabase() override { close(); }

    Backend backend() const noexcept override { return Backend::sqlite; }

    std::vector<Row> query(std::string_view sql, const std::vector<Value>& params) override {
        sqlite3_stmt* stmt = prepared(sql);
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        for (std::size_t i = 0; i < params.size(); ++i) bind(stmt, static_cast<int>(i + 1), params[i]);
        std::vector<Row> rows;
        for (;;) {
            const int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) {
                const std::string message = sqlite3_errmsg(db_);
                sqlite3_reset(stmt);
                fail(message, sql);
            }
            const int columns = sqlite3_column_count(stmt);
            Row row;
            row.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) row.push_back(column(stmt, c));
            rows.push_back(std::move(row));
        }
        sqlite3_reset(stmt);
        return rows;
    }

    void execute(std::string_view sql) override {
        char* error = nullptr;
        const std::string text(sql);
        if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string message = error ? error : sqlite3_errmsg(db_);
            sqlite3_free(error);
            fail(message, sql);
        }
    }

    void begin_write() override { execute("BEGIN IMMEDIATE"); }
    void commit() override { execute("COMMIT"); }
    void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
    void lock_schema() override {}  // BEGIN IMMEDIATE already holds the write lock

    // Without statistics SQLite takes any usable index over an ordered scan: a
    // filter matching a fifth of the rows was looked up and sorted (28 ms at
    // 100k artifacts) instead of read in path order until the page was full
    // (1 ms). A whole ANALYZE (0.3 s at 100k): analysis_limit's samples cap
    // rows-per-value at the sample size, which made that filter look selective.
    void refresh_statistics() override { execute("ANALYZE"); }

    std::optional<std::int64_t> rows_at_last_statistics() override {
        if (query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'", {}).empty()) return std::nullopt;
        // Each index's row: "<rows> <rows per distinct prefix>...".
        const auto rows = query("SELECT stat FROM sqlite_stat1 WHERE tbl = 'artifact' AND idx IS NOT NULL LIMIT 1", {});
        if (rows.empty()) return std::nullopt;
        const std::string stat = text_of(rows[0][0]);
        return int_of(Value(stat.substr(0, stat.find(' '))));
    }

private:
    void close() noexcept {
        for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
        statements_.clear();
        if (db_) sqlite3_close(db_);
        db_ = nullptr;
    }

    // Changing the journal mode needs the file to itself, and SQLite answers
    // SQLITE_BUSY at once rather than calling the busy handler when another
    // connection is opening the same new catalogue (two indexers started
    // together): retried here for as long as the busy timeout.
    void switch_to_wal() {
        constexpr std::string_view kSql = "PRAGMA journal_mode=WAL";
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
        for (;;) {
            const int rc = sqlite3_exec(db_, kSql.data(), nullptr, nullptr, nullptr);
            if (rc == SQLITE_OK) return;
            if ((rc & 0xFF) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) fail(sqlite3_errmsg(db_), kSql);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    [[noreturn]] void fail(const std::string& message, std::string_view sql) const {
        std::string context(sql.substr(0, 80));
        throw CatalogError("catalogue " + path_ + ": " + message + " (in: " + context + ")");
    }

    sqlite3_stmt* prepared(std::string_view sql) {
        const auto found = statements_.find(sql);
        if (found != statements_.end()) return found->second;
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                               nullptr) != SQLITE_OK)
            fail(sqlite3_errmsg(db_), sql);
        statements_.emplace(std::string(sql), stmt);
        return stmt;
    }

    void bind(sqlite3_stmt* stmt, int index, const Value& value) {
        int rc = SQLITE_OK;
        if (std::holds_alternative<std::nullptr_t>(value)) rc = sqlite3_bind_null(stmt, index);
        else if (const auto* i = std::get_if<std::int64_t>(&value)) rc = sqlite3_bind_int64(stmt, index, *i);
        else if (const auto* d = std::get_if<double>(&value)) rc = sqlite3_bind_double(stmt, index, *d);
        else {
            const auto& s = std::get<std::string>(value);
            rc = sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        }
        if (rc != SQLITE_OK) fail(sqlite3_errmsg(db_), sqlite3_sql(stmt));
    }

    static Value column(sqlite3_stmt* stmt, int c) {
        switch (sqlite3_column_type(stmt, c)) {
            case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_column_int64(stmt, c));
            case SQLITE_FLOAT: return sqlite3_column_double(stmt, c);
            case SQLITE_NULL: return nullptr;
            default: {
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
                return std::string(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
            }
        }
    }

    sqlite3* db_ = nullptr;
    std::string path_;
    std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path) { return std::make_unique<SqliteDatabase>(path); }

}  // namespace catalog
RAIIAF_NAMESPACE_END
