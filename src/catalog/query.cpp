#include "catalog/query.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>

#include "raiiaf/errors.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {
namespace {

enum class Kind { text, integer, real, seed, date, tag, latent, env, setting, prompt_text, negative_text, state, size };

struct Field {
    std::string_view name;
    Kind kind;
    std::string_view column;  // for latent: the latent table's column
};

constexpr std::array kFields = {
    Field{"model", Kind::text, "a.model"},
    Field{"model.version", Kind::text, "a.model_version"},
    Field{"sampler", Kind::text, "a.sampler"},
    Field{"scheduler", Kind::text, "a.scheduler"},
    Field{"layout", Kind::text, "a.layout"},
    Field{"version", Kind::text, "a.version"},
    Field{"path", Kind::text, "a.path"},
    Field{"source", Kind::text, "a.source"},
    Field{"generator", Kind::text, "a.generator"},
    Field{"error", Kind::text, "a.error"},
    Field{"image.format", Kind::text, "a.image_format"},
    Field{"image.digest", Kind::text, "a.image_digest"},
    Field{"noise.digest", Kind::text, "a.noise_digest"},
    Field{"manifest.digest", Kind::text, "a.manifest_digest"},
    Field{"steps", Kind::integer, "a.steps"},
    Field{"width", Kind::integer, "a.width"},
    Field{"height", Kind::integer, "a.height"},
    Field{"file.size", Kind::integer, "a.file_size"},
    Field{"cfg", Kind::real, "a.cfg"},
    Field{"seed", Kind::seed, "a.seed"},
    Field{"date", Kind::date, "a.created"},
    Field{"tag", Kind::tag, "t.tag"},
    Field{"latent.name", Kind::latent, "l.name"},
    Field{"latent.dtype", Kind::latent, "l.dtype"},
    Field{"latent.shape", Kind::latent, "l.shape"},
    Field{"latent.codec", Kind::latent, "l.codec"},
    Field{"latent.digest", Kind::latent, "l.digest"},
    Field{"prompt", Kind::prompt_text, ""},
    Field{"negative", Kind::negative_text, ""},
    Field{"state", Kind::state, ""},
    Field{"size", Kind::size, ""},
    // Prefixes: env.<component id>, set.<generation setting>.
    Field{"env.", Kind::env, ""},
    Field{"set.", Kind::setting, ""},
};

enum class Op { match, not_equal, less, less_equal, greater, greater_equal };

std::string_view op_text(Op op) {
    switch (op) {
        case Op::match: return ":";
        case Op::not_equal: return "!=";
        case Op::less: return "<";
        case Op::less_equal: return "<=";
        case Op::greater: return ">";
        case Op::greater_equal: return ">=";
    }
    return "?";
}

std::string_view sql_op(Op op) {
    switch (op) {
        case Op::match: return "=";
        case Op::not_equal: return "<>";
        case Op::less: return "<";
        case Op::less_equal: return "<=";
        case Op::greater: return ">";
        case Op::greater_equal: return ">=";
    }
    return "=";
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_field_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}
// Letters and digits as both full-text engines tokenise them (non-ASCII bytes count as letters).
bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           static_cast<unsigned char>(c) >= 0x80;
}

// A LIKE pattern for a glob where '*' is any run of characters.
std::string like_pattern(std::string_view glob) {
    std::string out;
    for (const char c : glob) {
        if (c == '*') out += '%';
        else if (c == '%' || c == '_' || c == '\\') (out += '\\') += c;
        else out += c;
    }
    return out;
}

class Compiler {
public:
    Compiler(std::string_view text, Backend backend, FullTextPlan plan) : text_(text), backend_(backend), plan_(plan) {}

    CompiledQuery run() {
        std::vector<std::string> conditions;
        bool state_given = false;
        std::size_t pos = 0;
        while (true) {
            while (pos < text_.size() && is_space(text_[pos])) ++pos;
            if (pos >= text_.size()) break;
            const std::size_t term_start = pos;
            bool negated = false;
            if (text_[pos] == '-' && pos + 1 < text_.size() && !is_space(text_[pos + 1])) {
                negated = true;
                ++pos;
            }
            negated_term_ = negated;
            std::string condition;
            if (text_[pos] == '"') {
                const auto phrase = quoted(pos);
                condition = full_text(phrase.first, phrase.second, Kind::prompt_text);
            } else {
                std::size_t name_end = pos;
                while (name_end < text_.size() && is_field_char(text_[name_end])) ++name_end;
                const bool is_field = name_end > pos && name_end < text_.size() &&
                                      std::string_view(":=<>!").find(text_[name_end]) != std::string_view::npos;
                if (is_field) {
                    condition = field_term(pos, name_end, state_given);
                } else {
                    std::size_t end = pos;
                    while (end < text_.size() && !is_space(text_[end])) ++end;
                    condition = full_text(text_.substr(pos, end - pos), pos, Kind::prompt_text);
                    pos = end;
                }
            }
            if (negated) {
                if (condition.starts_with("#state")) fail("a state: term cannot be negated", term_start);
                condition = "NOT coalesce((" + condition + "), FALSE)";
            }
            if (condition.empty()) continue;  // a word joined to the one full-text match below
            if (condition.starts_with("#state")) {
                if (condition != "#state any") conditions.push_back(condition.substr(7));
            } else {
                conditions.push_back(std::move(condition));
            }
        }
        CompiledQuery out;
        if (!prompt_phrases_.empty()) {
            // One FTS5 match for every plain word: the index intersects them itself.
            out.prompt_match = "prompt : (";
            for (std::size_t i = 0; i < prompt_phrases_.size(); ++i)
                out.prompt_match += (i ? " AND " : "") + prompt_phrases_[i];
            out.prompt_match += ")";
            // A unary + keeps SQLite from using a.id as the index to look rows up by.
            const std::string id = plan_ == FullTextPlan::filter ? "+a.id" : "a.id";
            conditions.push_back(id + " IN (SELECT rowid FROM artifact_text WHERE artifact_text MATCH " +
                                 bind(out.prompt_match) + ")");
        }
        if (!state_given) conditions.insert(conditions.begin(), "a.damaged = 0");
        out.params = std::move(params_);
        if (conditions.empty()) {
            out.where = "1 = 1";
        } else {
            for (std::size_t i = 0; i < conditions.size(); ++i) out.where += (i ? " AND " : "") + conditions[i];
        }
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& message, std::size_t byte_offset) const {
        // Columns count characters (UTF-8 code points), from 1.
        std::size_t column = 1;
        for (std::size_t i = 0; i < byte_offset && i < text_.size(); ++i)
            if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
        throw QueryError(message, column);
    }

    // A "..." string starting at pos (a doubled "" is a quote); moves pos past it.
    std::pair<std::string, std::size_t> quoted(std::size_t& pos) {
        const std::size_t start = pos;
        std::string value;
        for (++pos; pos < text_.size(); ++pos) {
            if (text_[pos] == '"') {
                if (pos + 1 < text_.size() && text_[pos + 1] == '"') {
                    value += '"';
                    ++pos;
                    continue;
                }
                ++pos;
                return {value, start};
            }
            value += text_[pos];
        }
        fail("unterminated quote", start);
    }

    std::string bind(Value value) {
        params_.push_back(std::move(value));
        return "?";
    }

    std::string field_term(std::size_t& pos, std::size_t name_end, bool& state_given) {
        const std::size_t name_start = pos;
        const std::string name = ascii_lower(text_.substr(pos, name_end - pos));
        pos = name_end;
        const std::size_t op_start = pos;
        Op op = Op::match;
        const auto next_is = [&](char c) { return pos + 1 < text_.size() && text_[pos + 1] == c; };
        switch (text_[pos]) {
            case ':': op = Op::match; pos += 1; break;
            case '=': op = Op::match; pos += 1; break;
            case '!':
                if (!next_is('=')) fail("expected '!=' after '" + name + "'", op_start);
                op = Op::not_equal;
                pos += 2;
                break;
            case '<': op = next_is('=') ? Op::less_equal : Op::less; pos += next_is('=') ? 2 : 1; break;
            case '>': op = next_is('=') ? Op::greater_equal : Op::greater; pos += next_is('=') ? 2 : 1; break;
        }
        const std::size_t value_start = pos;
        std::string value;
        if (pos < text_.size() && text_[pos] == '"') {
            value = quoted(pos).first;
        } else {
            while (pos < text_.size() && !is_space(text_[pos])) ++pos;
            value = std::string(text_.substr(value_start, pos - value_start));
        }
        if (value.empty()) fail("missing value after '" + name + std::string(op_text(op)) + "'", value_start);

        const Field* field = nullptr;
        std::string suffix;
        for (const Field& f : kFields) {
            if (f.name.ends_with('.') ? name.starts_with(f.name) && name.size() > f.name.size() : name == f.name) {
                field = &f;
                if (f.name.ends_with('.')) suffix = name.substr(f.name.size());
                break;
            }
        }
        if (field == nullptr) fail("unknown field '" + name + "'" + suggestion(name) + " (docs/CLI.md lists the fields)", name_start);

        const bool ordered = op != Op::match && op != Op::not_equal;
        const auto only_equality = [&] {
            if (ordered) fail("'" + name + "' takes ':' or '!=', not '" + std::string(op_text(op)) + "'", op_start);
        };
        switch (field->kind) {
            case Kind::text: only_equality(); return text_match(std::string(field->column), value, op);
            case Kind::integer: return compare(field->column, Value(parse_integer(value, name, value_start)), op);
            case Kind::real: return compare(field->column, Value(parse_real(value, name, value_start)), op);
            case Kind::seed: return compare(field->column, Value(seed_key(parse_seed(value, value_start))), op);
            case Kind::date: return date_term(value, op, value_start);
            case Kind::tag:
                only_equality();
                return exists("tag t WHERE t.artifact_id = a.id", text_match("t.tag", value, Op::match), op);
            case Kind::latent:
                only_equality();
                return exists("latent l WHERE l.artifact_id = a.id", text_match(std::string(field->column), value, Op::match), op);
            case Kind::env: {
                only_equality();
                const std::string id = bind(std::string(text_.substr(name_start + 4, name_end - name_start - 4)));
                const std::string pattern = bind("%" + like_pattern(ascii_lower(value)) + "%");
                return exists("environment_component c WHERE c.environment_id = a.environment_id AND c.component_id = " + id,
                              "lower(c.canonical) LIKE " + pattern + " ESCAPE '\\'", op);
            }
            case Kind::setting: {
                only_equality();
                const std::string key(text_.substr(name_start + 4, name_end - name_start - 4));
                const std::string column = backend_ == Backend::sqlite
                                               ? "CAST(json_extract(a.settings, " + bind("$.\"" + key + "\"") + ") AS TEXT)"
                                               : "(CAST(a.settings AS jsonb) ->> " + bind(key) + ")";
                return text_match(column, value, op);
            }
            case Kind::prompt_text:
            case Kind::negative_text: {
                only_equality();
                std::string condition = full_text(value, value_start, field->kind, op == Op::match);
                return op == Op::not_equal ? "NOT coalesce((" + condition + "), FALSE)" : condition;
            }
            case Kind::state: {
                if (op != Op::match) fail("'state' takes ':'", op_start);
                state_given = true;
                const std::string v = ascii_lower(value);
                if (v == "ok") return "#state a.damaged = 0";
                if (v == "damaged") return "#state a.damaged = 1";
                if (v == "other") return "#state a.damaged = 2";
                if (v == "any") return "#state any";
                fail("state is ok, damaged, other or any, not '" + value + "'", value_start);
            }
            case Kind::size: {
                only_equality();
                const auto x = value.find_first_of("xX");
                if (x == std::string::npos) fail("size is WIDTHxHEIGHT, e.g. 1024x1024", value_start);
                const auto w = parse_integer(value.substr(0, x), "width", value_start);
                const auto h = parse_integer(value.substr(x + 1), "height", value_start + x + 1);
                const std::string width = bind(w);  // placeholders in order: bind in separate statements
                const std::string height = bind(h);
                std::string condition = "(a.width = " + width + " AND a.height = " + height + ")";
                return op == Op::not_equal ? "NOT coalesce(" + condition + ", FALSE)" : condition;
            }
        }
        fail("unsupported field", name_start);
    }

    static std::string suggestion(const std::string& name) {
        // The closest known name by edit distance, when it is close.
        std::string best;
        std::size_t best_distance = 3;
        for (const Field& f : kFields) {
            const std::string_view candidate = f.name;
            std::vector<std::size_t> row(candidate.size() + 1);
            for (std::size_t j = 0; j <= candidate.size(); ++j) row[j] = j;
            for (std::size_t i = 1; i <= name.size(); ++i) {
                std::size_t diagonal = row[0];
                row[0] = i;
                for (std::size_t j = 1; j <= candidate.size(); ++j) {
                    const std::size_t above = row[j];
                    row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (name[i - 1] == candidate[j - 1] ? 0 : 1)});
                    diagonal = above;
                }
            }
            if (row[candidate.size()] < best_distance) {
                best_distance = row[candidate.size()];
                best = std::string(candidate);
            }
        }
        return best.empty() ? "" : "; did you mean '" + best + "'?";
    }

    std::string text_match(const std::string& column, const std::string& value, Op op) {
        std::string condition;
        if (value.find('*') != std::string::npos)
            condition = "lower(" + column + ") LIKE " + bind(like_pattern(ascii_lower(value))) + " ESCAPE '\\'";
        else
            condition = "lower(" + column + ") = " + bind(ascii_lower(value));
        // Missing counts as "not equal"; `column` is used once (it may hold a placeholder).
        if (op == Op::not_equal) return "NOT coalesce((" + condition + "), FALSE)";
        return condition;
    }

    std::string compare(std::string_view column, Value value, Op op) {
        return std::string(column) + " " + std::string(sql_op(op)) + " " + bind(std::move(value));
    }

    static std::string exists(const std::string& from_where, const std::string& condition, Op op) {
        const std::string sub = "EXISTS (SELECT 1 FROM " + from_where + " AND " + condition + ")";
        return op == Op::not_equal ? "NOT " + sub : sub;
    }

    std::int64_t parse_integer(const std::string& value, const std::string& name, std::size_t at) const {
        std::int64_t out = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
        if (ec == std::errc::result_out_of_range) fail(name + " is out of range: '" + value + "'", at);
        if (ec != std::errc() || end != value.data() + value.size() || value.empty())
            fail(name + " expects an integer, not '" + value + "'", at);
        return out;
    }

    double parse_real(const std::string& value, const std::string& name, std::size_t at) const {
        double out = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
        if (ec != std::errc() || end != value.data() + value.size()) fail(name + " expects a number, not '" + value + "'", at);
        return out;
    }

    std::uint64_t parse_seed(const std::string& value, std::size_t at) const {
        std::uint64_t out = 0;
        const bool digits = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
        if (!digits || ec != std::errc() || end != value.data() + value.size())
            fail("seed is an integer from 0 to 18446744073709551615, not '" + value + "'", at);
        return out;
    }

    // YYYY-MM-DD, optionally followed by a time ("T12:00", "T12:00:00.5+00:00").
    std::string date_term(const std::string& value, Op op, std::size_t at) {
        const auto digits = [&](std::size_t from, std::size_t count) {
            if (value.size() < from + count) return false;
            return std::all_of(value.begin() + static_cast<std::ptrdiff_t>(from),
                               value.begin() + static_cast<std::ptrdiff_t>(from + count),
                               [](char c) { return c >= '0' && c <= '9'; });
        };
        if (!digits(0, 4) || value.size() < 10 || value[4] != '-' || !digits(5, 2) || value[7] != '-' || !digits(8, 2) ||
            (value.size() > 10 && value[10] != 'T'))
            fail("a date is YYYY-MM-DD (optionally with THH:MM:SS), not '" + value + "'", at);
        const int year = std::stoi(value.substr(0, 4));
        const unsigned month = static_cast<unsigned>(std::stoi(value.substr(5, 2)));
        const unsigned day = static_cast<unsigned>(std::stoi(value.substr(8, 2)));
        const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
        if (!date.ok()) fail("no such date: '" + value.substr(0, 10) + "'", at);
        const bool whole_day = value.size() == 10;
        if (whole_day) {
            const std::chrono::year_month_day next{std::chrono::sys_days{date} + std::chrono::days{1}};
            char buffer[16];
            std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(next.year()),
                          static_cast<unsigned>(next.month()), static_cast<unsigned>(next.day()));
            const std::string next_day = buffer;
            if (op == Op::match || op == Op::not_equal) {
                const std::string from = bind(value);  // placeholders in order: bind in separate statements
                const std::string to = bind(next_day);
                const std::string day = "(a.created >= " + from + " AND a.created < " + to + ")";
                return op == Op::match ? day : "NOT " + day;
            }
            switch (op) {
                case Op::less_equal: return "a.created < " + bind(next_day);
                case Op::greater: return "a.created >= " + bind(next_day);
                default: break;
            }
        }
        if (op == Op::match && !whole_day)
            return "a.created LIKE " + bind(like_pattern(value) + "%") + " ESCAPE '\\'";
        return compare("a.created", Value(value), op);
    }

    // `joinable`: a plain (not negated) prompt word, which SQLite matches in one
    // FTS5 expression with the others; returns "" then.
    std::string full_text(std::string_view word, std::size_t at, Kind kind, bool joinable = true) {
        bool prefix = false;
        if (word.ends_with('*')) {
            prefix = true;
            word.remove_suffix(1);
        }
        std::vector<std::string> tokens;
        for (std::size_t i = 0; i < word.size();) {
            if (!is_word_char(word[i])) {
                ++i;
                continue;
            }
            std::size_t end = i;
            while (end < word.size() && is_word_char(word[end])) ++end;
            tokens.push_back(ascii_lower(word.substr(i, end - i)));
            i = end;
        }
        if (tokens.empty()) fail("nothing to search for in '" + std::string(word) + (prefix ? "*" : "") + "'", at);
        const bool negative = kind == Kind::negative_text;
        if (backend_ == Backend::sqlite) {
            std::string phrase = "\"";
            for (std::size_t i = 0; i < tokens.size(); ++i) phrase += (i ? " " : "") + tokens[i];
            phrase += prefix ? "\" *" : "\"";
            if (joinable && !negated_term_ && !negative) {
                prompt_phrases_.push_back(phrase);
                return "";
            }
            const std::string match = std::string(negative ? "negative_prompt" : "prompt") + " : " + phrase;
            return "a.id IN (SELECT rowid FROM artifact_text WHERE artifact_text MATCH " + bind(match) + ")";
        }
        std::string tsquery;
        for (std::size_t i = 0; i < tokens.size(); ++i) tsquery += (i ? " <-> '" : "'") + tokens[i] + "'";
        if (prefix) tsquery += ":*";
        return std::string(negative ? "a.negative_words" : "a.prompt_words") + " @@ to_tsquery('simple', " + bind(tsquery) +
               ")";
    }

    std::string_view text_;
    Backend backend_;
    FullTextPlan plan_;
    std::vector<Value> params_;
    bool negated_term_ = false;
    std::vector<std::string> prompt_phrases_;
};

}  // namespace

CompiledQuery compile_query(std::string_view query, Backend backend, FullTextPlan plan) {
    return Compiler(query, backend, plan).run();
}

std::string order_by(std::string_view sort) {
    bool descending = false;
    if (sort.starts_with('-')) {
        descending = true;
        sort.remove_prefix(1);
    }
    static constexpr std::pair<std::string_view, std::string_view> kSortable[] = {
        {"path", "a.path"},   {"date", "a.created"}, {"seed", "a.seed"},     {"steps", "a.steps"},
        {"cfg", "a.cfg"},     {"model", "a.model"},  {"width", "a.width"},   {"height", "a.height"},
        {"file.size", "a.file_size"},
    };
    if (sort.empty()) sort = "path";
    for (const auto& [name, column] : kSortable) {
        if (name != sort) continue;
        if (name == "path") return std::string(column) + (descending ? " DESC" : "");
        // NULLs last in both directions and both backends.
        return "(" + std::string(column) + " IS NULL), " + std::string(column) + (descending ? " DESC" : "") + ", a.path";
    }
    std::string known;
    for (const auto& [name, column] : kSortable) known += (known.empty() ? "" : ", ") + std::string(name);
    throw InvalidArgument("cannot sort by '" + std::string(sort) + "' (one of " + known + ", '-' in front for descending)");
}

}  // namespace catalog
RAIIAF_NAMESPACE_END
