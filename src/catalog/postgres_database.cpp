// The PostgreSQL backend over libpq: the shared catalogue of a team. Text
// parameters and results; `?` placeholders become $1, $2, ...
#include <dlfcn.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <map>
#include <string>

#include "catalog/database.hpp"

#include "raiiaf/config.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {
namespace {

// libpq is loaded when a PostgreSQL catalogue is first opened, not linked:
// it brings some twenty libraries (Kerberos, LDAP, TLS) that every other
// command would pay for at start-up (docs/PERFORMANCE.md, CLI start-up).
struct LibPq {
#define RAIIAF_PQ_FUNCTIONS(X) X(PQclear) X(PQconnectdb) X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared) X(PQfinish) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnfields) X(PQntuples) X(PQprepare) X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) X(PQstatus)
#define RAIIAF_PQ_POINTER(name) decltype(&::name) name = nullptr;
    RAIIAF_PQ_FUNCTIONS(RAIIAF_PQ_POINTER)
#undef RAIIAF_PQ_POINTER
    std::string error;  // why it could not be loaded; empty once loaded
};

const LibPq& libpq() {
    static const LibPq loaded = [] {
        LibPq pq;
        void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);  // kept for the process's life
        if (handle == nullptr) {
            const char* why = dlerror();
            pq.error = std::string("libpq (Debian package libpq5) cannot be loaded: ") + (why ? why : "unknown error");
            return pq;
        }
#define RAIIAF_PQ_LOAD(name)                                                                 \
        pq.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                 \
        if (pq.name == nullptr && pq.error.empty()) pq.error = "libpq lacks " #name;
        RAIIAF_PQ_FUNCTIONS(RAIIAF_PQ_LOAD)
#undef RAIIAF_PQ_LOAD
#undef RAIIAF_PQ_FUNCTIONS
        return pq;
    }();
    if (!loaded.error.empty()) throw CatalogError("PostgreSQL catalogue: " + loaded.error);
    return loaded;
}

// Any key; the same in every process that migrates the schema.
constexpr long kSchemaLockKey = 0x7261'6969;

std::string numbered_placeholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int next = 1;
    bool in_literal = false;
    for (const char c : sql) {
        if (c == '\'') in_literal = !in_literal;
        if (c == '?' && !in_literal) {
            out += '$' + std::to_string(next++);
        } else {
            out += c;
        }
    }
    return out;
}

// The URL without its password, for messages.
std::string redacted(const std::string& url) {
    const auto scheme = url.find("://");
    const auto at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon) + ":***" + url.substr(at);
}

class PostgresDatabase final : public Database {
public:
    explicit PostgresDatabase(const std::string& url) : pq_(libpq()), where_(redacted(url)) {
        connection_ = pq_.PQconnectdb(url.c_str());
        if (connection_ == nullptr || pq_.PQstatus(connection_) != CONNECTION_OK) {
            const std::string message = connection_ ? pq_.PQerrorMessage(connection_) : "out of memory";
            pq_.PQfinish(connection_);
            connection_ = nullptr;
            throw CatalogError("cannot connect to the catalogue " + where_ + ": " + trimmed(message));
        }
        execute("SET client_min_messages = warning");
    }
    ~PostgresDatabase() override { pq_.PQfinish(connection_); }

    Backend backend() const noexcept override { return Backend::postgresql; }

    std::vector<Row> query(std::string_view sql, const std::vector<Value>& params) override {
        std::vector<std::string> texts(params.size());
        std::vector<const char*> values(params.size(), nullptr);
        for (std::size_t i = 0; i < params.size(); ++i) {
            const Value& p = params[i];
            if (std::holds_alternative<std::nullptr_t>(p)) continue;
            if (const auto* d = std::get_if<double>(&p)) {
                char buffer[32];
                const auto result = std::to_chars(buffer, buffer + sizeof buffer, *d);  // shortest exact form
                texts[i].assign(buffer, result.ptr);
            } else {
                texts[i] = text_of(p);
            }
            values[i] = texts[i].c_str();
        }
        const int count_of_params = static_cast<int>(params.size());
        PGresult* result = nullptr;
        if (const std::string* name = prepared(sql, count_of_params))
            result = pq_.PQexecPrepared(connection_, name->c_str(), count_of_params, values.data(), nullptr, nullptr, 0);
        else
            result = pq_.PQexecParams(connection_, numbered_placeholders(sql).c_str(), count_of_params, nullptr,
                                      values.data(), nullptr, nullptr, 0);
        check(result, sql);
        std::vector<Row> rows;
        const int count = pq_.PQntuples(result);
        const int columns = pq_.PQnfields(result);
        rows.reserve(static_cast<std::size_t>(count));
        for (int r = 0; r < count; ++r) {
            Row row;
            row.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                if (pq_.PQgetisnull(result, r, c)) row.emplace_back(nullptr);
                else
                    row.emplace_back(std::string(pq_.PQgetvalue(result, r, c),
                                                 static_cast<std::size_t>(pq_.PQgetlength(result, r, c))));
            }
            rows.push_back(std::move(row));
        }
        pq_.PQclear(result);
        return rows;
    }

    void execute(std::string_view sql) override {
        const std::string text(sql);
        PGresult* result = pq_.PQexec(connection_, text.c_str());
        check(result, sql);
        pq_.PQclear(result);
    }

    void begin_write() override { execute("BEGIN"); }
    void commit() override { execute("COMMIT"); }
    void rollback() noexcept override { pq_.PQclear(pq_.PQexec(connection_, "ROLLBACK")); }
    void lock_schema() override {
        query("SELECT pg_advisory_xact_lock(?)", {static_cast<std::int64_t>(kSchemaLockKey)});
    }

    // Autovacuum would get there, but only after the queries that follow a bulk
    // index; ANALYZE samples a bounded number of rows per table.
    void refresh_statistics() override { execute("ANALYZE artifact, tag, latent, environment, environment_component"); }

    std::optional<std::int64_t> rows_at_last_statistics() override {
        const auto rows = query("SELECT reltuples::bigint, last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL "
                                "FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
                                "WHERE c.oid = to_regclass('artifact')", {});
        if (rows.empty() || text_of(rows[0][1]) != "t") return std::nullopt;
        return int_of(rows[0][0]);
    }

private:
    // The indexer runs a few statements thousands of times: each is parsed and
    // planned once per connection (a named prepared statement), not per row.
    // Up to kMaxPrepared texts; the rest (one-off queries) run unprepared.
    const std::string* prepared(std::string_view sql, int count_of_params) {
        if (const auto found = prepared_.find(sql); found != prepared_.end()) return &found->second;
        if (prepared_.size() >= kMaxPrepared) return nullptr;
        std::string name = "raiiaf_" + std::to_string(prepared_.size());
        PGresult* result =
            pq_.PQprepare(connection_, name.c_str(), numbered_placeholders(sql).c_str(), count_of_params, nullptr);
        check(result, sql);
        pq_.PQclear(result);
        return &prepared_.emplace(std::string(sql), std::move(name)).first->second;
    }

    static std::string trimmed(std::string text) {
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
        return text;
    }

    // Throws (and frees `result`) unless it succeeded.
    void check(PGresult* result, std::string_view sql) const {
        const auto status = pq_.PQresultStatus(result);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
        const char* state = result ? pq_.PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
        const std::string message = trimmed(result ? pq_.PQresultErrorMessage(result) : pq_.PQerrorMessage(connection_));
        const bool transient = state && (std::strcmp(state, "40P01") == 0 || std::strcmp(state, "40001") == 0);
        pq_.PQclear(result);
        const std::string what = "catalogue " + where_ + ": " + message + " (in: " + std::string(sql.substr(0, 80)) + ")";
        if (transient) throw TransientError(what);
        throw CatalogError(what);
    }

    static constexpr std::size_t kMaxPrepared = 64;
    const LibPq& pq_;
    std::string where_;
    PGconn* connection_ = nullptr;
    std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
};

}  // namespace

std::unique_ptr<Database> open_postgresql(const std::string& url) { return std::make_unique<PostgresDatabase>(url); }

}  // namespace catalog
RAIIAF_NAMESPACE_END
