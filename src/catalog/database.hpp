// The one interface both catalogue backends implement, so that the schema,
// the indexer and the query language are written once. Statements are SQL
// common to SQLite and PostgreSQL with `?` placeholders; a backend supplies
// the few pieces of syntax that differ (Dialect).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "raiiaf/errors.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using Row = std::vector<Value>;

enum class Backend { sqlite, postgresql };

// A deadlock or serialisation failure between concurrent writers: the
// transaction was rolled back and may be run again.
class TransientError : public CatalogError { using CatalogError::CatalogError; };

class Database {
public:
    virtual ~Database() = default;
    [[nodiscard]] virtual Backend backend() const noexcept = 0;

    // Runs one statement with bound parameters; returns its rows (if any).
    virtual std::vector<Row> query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
    // Runs a script of statements without parameters.
    virtual void execute(std::string_view sql) = 0;

    // A write transaction that serialises writers: SQLite BEGIN IMMEDIATE,
    // PostgreSQL BEGIN (row locks and ON CONFLICT do the rest).
    virtual void begin_write() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    // Held until commit/rollback: serialises schema migrations between processes.
    virtual void lock_schema() = 0;
    // Refreshes the statistics the query planner chooses indexes by.
    virtual void refresh_statistics() = 0;
    // The artifact table's row count when they were last refreshed; nullopt
    // when never.
    virtual std::optional<std::int64_t> rows_at_last_statistics() = 0;
};

std::unique_ptr<Database> open_sqlite(const std::string& path);
std::unique_ptr<Database> open_postgresql(const std::string& url);

// Rolls back unless committed.
class WriteTransaction {
public:
    explicit WriteTransaction(Database& db) : db_(db) { db_.begin_write(); }
    ~WriteTransaction() {
        if (!done_) db_.rollback();
    }
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit() {
        db_.commit();
        done_ = true;
    }

private:
    Database& db_;
    bool done_ = false;
};

// Accessors for result cells (NULL becomes the empty/unset value).
inline std::string text_of(const Value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
    return {};
}
std::optional<std::int64_t> int_of(const Value& v);
std::optional<double> real_of(const Value& v);

// Seeds are unsigned 64-bit; both backends store signed 64-bit integers.
// seed_key = seed - 2^63 (two's complement), which keeps order, so equality
// and range queries on the key are exact (docs/CLI.md, "Seeds").
inline std::int64_t seed_key(std::uint64_t seed) noexcept {
    return static_cast<std::int64_t>(seed ^ (std::uint64_t{1} << 63));
}
inline std::uint64_t seed_from_key(std::int64_t key) noexcept {
    return static_cast<std::uint64_t>(key) ^ (std::uint64_t{1} << 63);
}

}  // namespace catalog
RAIIAF_NAMESPACE_END
