#include "format/json_text.hpp"

#include <cmath>
#include <optional>
#include <unordered_set>
#include <vector>

#include "raiiaf/errors.hpp"
#include "raiiaf/json.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// nlohmann's message without its "[json.exception...] parse error at line 1,
// column 20: " prefix (the offset is reported on its own).
std::string syntax_error(const nlohmann::detail::exception& e) {
    std::string reason = e.what();
    if (const auto column = reason.find("column "); column != std::string::npos)
        if (const auto colon = reason.find(": ", column); colon != std::string::npos) reason.erase(0, colon + 2);
    return "not valid JSON: " + reason;
}

// The value types nlohmann's SAX interface asks a consumer to name.
struct JsonSaxTypes {
    using number_integer_t = Json::number_integer_t;
    using number_unsigned_t = Json::number_unsigned_t;
    using number_float_t = Json::number_float_t;
    using string_t = Json::string_t;
    using binary_t = Json::binary_t;
};

// A SAX consumer that builds nothing: it counts, and stops at the first bound
// exceeded. nlohmann's SAX parser is iterative, so depth costs it no stack.
class BoundsChecker : public JsonSaxTypes {
public:

    explicit BoundsChecker(const Limits& limits) : limits_(limits) {}

    bool null() { return value(); }
    bool boolean(bool) { return value(); }
    bool number_integer(number_integer_t) { return value(); }
    bool number_unsigned(number_unsigned_t) { return value(); }
    bool number_float(number_float_t, const string_t&) { return value(); }
    bool string(string_t&) { return value(); }
    bool binary(binary_t&) { return value(); }
    bool start_object(std::size_t) { return open(); }
    bool start_array(std::size_t) { return open(); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool key(string_t&) {
        if (++members_.back() > limits_.max_json_object_members)
            return fail("a JSON object has more than " + std::to_string(limits_.max_json_object_members) + " keys");
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
        offset_ = position > 0 ? position - 1 : 0;
        reason_ = syntax_error(e);
        return false;
    }

    [[nodiscard]] const std::string& reason() const { return reason_; }
    [[nodiscard]] std::optional<std::uint64_t> offset() const { return offset_; }
    [[nodiscard]] bool exceeds_limits() const { return exceeds_limits_; }
    [[nodiscard]] std::size_t depth() const { return members_.size(); }  // open containers

private:
    bool value() {
        if (++values_ > limits_.max_json_values)
            return fail("JSON document has more than " + std::to_string(limits_.max_json_values) + " values");
        return true;
    }
    bool open() {
        if (members_.size() >= limits_.max_json_depth)
            return fail("JSON nesting deeper than " + std::to_string(limits_.max_json_depth) + " levels");
        members_.push_back(0);
        return value();
    }
    bool close() {
        members_.pop_back();
        return true;
    }
    bool fail(std::string reason) {
        reason_ = std::move(reason);
        exceeds_limits_ = true;
        return false;
    }

    const Limits& limits_;
    std::vector<std::uint32_t> members_;  // keys so far in each open container
    std::uint64_t values_ = 0;
    std::optional<std::uint64_t> offset_;  // known for syntax errors only
    std::string reason_;
    bool exceeds_limits_ = false;
};

// The bounds check and the tree in one pass: each event reaches nlohmann's
// tree builder only once the checker has accepted it, so the tree never grows
// past a bound, and the text is read once instead of checked then parsed.
class BoundedTreeBuilder : public JsonSaxTypes {
public:

    BoundedTreeBuilder(Json& result, const Limits& limits, const JsonKeyObserver* observe = nullptr)
        : checker_(limits), tree_(result), observe_(observe) {}

    bool null() { return checker_.null() && tree_.null(); }
    bool boolean(bool value) { return checker_.boolean(value) && tree_.boolean(value); }
    bool number_integer(number_integer_t value) { return checker_.number_integer(value) && tree_.number_integer(value); }
    bool number_unsigned(number_unsigned_t value) {
        return checker_.number_unsigned(value) && tree_.number_unsigned(value);
    }
    bool number_float(number_float_t value, const string_t& text) {
        return checker_.number_float(value, text) && tree_.number_float(value, text);
    }
    bool string(string_t& value) { return checker_.string(value) && tree_.string(value); }
    bool binary(binary_t& value) { return checker_.binary(value) && tree_.binary(value); }
    bool start_object(std::size_t size) {
        if (observe_) keys_.emplace_back();
        return checker_.start_object(size) && tree_.start_object(size);
    }
    bool start_array(std::size_t size) { return checker_.start_array(size) && tree_.start_array(size); }
    bool end_object() {
        if (observe_) keys_.pop_back();
        return checker_.end_object() && tree_.end_object();
    }
    bool end_array() { return checker_.end_array() && tree_.end_array(); }
    bool key(string_t& value) {
        if (!checker_.key(value)) return false;
        if (observe_) (*observe_)(checker_.depth(), value, !keys_.back().insert(value).second);
        return tree_.key(value);
    }
    bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& e) {
        return checker_.parse_error(position, token, e);
    }

    [[nodiscard]] const BoundsChecker& checker() const { return checker_; }

private:
    BoundsChecker checker_;
    nlohmann::detail::json_sax_dom_parser<Json> tree_;
    const JsonKeyObserver* observe_;
    std::vector<std::unordered_set<std::string>> keys_;  // of each open object, when observed
};

// The JSON our writers produce, as most manifests hold it: strings of
// printable ASCII without escapes, integers of up to 18 digits, the literals.
// It sends `consumer` the SAX events nlohmann's parser would send for the
// same text, so the tree and the bounds checked are the same, at a fraction of
// nlohmann's cost per byte (its lexer copies every byte, whitespace included,
// into a token buffer). It gives up, returning false, at anything else, valid
// or not: escapes, other bytes, fractions, exponents, longer integers, a
// syntax error, a bound exceeded. The caller then parses the whole text again
// with nlohmann's parser, which has the last word on what is valid and on what
// an error says and where, so this accepts no text nlohmann would refuse.
template <class Consumer>
bool parse_plain_json(std::string_view text, Consumer& consumer) {
    const char* at = text.data();
    const char* const end = at + text.size();
    std::vector<char> open;  // '{' or '[' for each open container
    typename Consumer::string_t scratch;
    constexpr auto kUnknownSize = static_cast<std::size_t>(-1);  // what nlohmann passes
    const auto skip_whitespace = [&] {
        while (at != end && (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t')) ++at;
    };
    const auto scan_string = [&] {  // from the opening quote
        const char* const begin = ++at;
        while (at != end && *at != '"') {
            const auto c = static_cast<unsigned char>(*at);
            if (c < 0x20 || c >= 0x80 || c == '\\') return false;
            ++at;
        }
        if (at == end) return false;
        scratch.assign(begin, at);
        ++at;
        return true;
    };
    const auto scan_literal = [&](std::string_view literal) {
        if (static_cast<std::size_t>(end - at) < literal.size() || std::string_view(at, literal.size()) != literal)
            return false;
        at += literal.size();
        return true;
    };
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    const auto scan_integer = [&] {
        const bool negative = *at == '-';
        if (negative) ++at;
        if (at == end || !is_digit(*at)) return false;
        std::uint64_t value = 0;
        int digits = 0;
        if (*at == '0') {
            ++at;
        } else {
            for (; at != end && is_digit(*at); ++at, ++digits) {
                if (digits == 18) return false;  // may not fit: nlohmann decides
                value = value * 10 + static_cast<std::uint64_t>(*at - '0');
            }
        }
        if (at != end && (is_digit(*at) || *at == '.' || *at == 'e' || *at == 'E')) return false;
        return negative ? consumer.number_integer(-static_cast<typename Consumer::number_integer_t>(value))
                        : consumer.number_unsigned(value);
    };

    for (;;) {
        // A value.
        skip_whitespace();
        if (at == end) return false;
        bool opened = false;
        switch (*at) {
            case '{':
                ++at;
                if (!consumer.start_object(kUnknownSize)) return false;
                open.push_back('{');
                opened = true;
                break;
            case '[':
                ++at;
                if (!consumer.start_array(kUnknownSize)) return false;
                open.push_back('[');
                opened = true;
                break;
            case '"':
                if (!scan_string() || !consumer.string(scratch)) return false;
                break;
            case 't':
                if (!scan_literal("true") || !consumer.boolean(true)) return false;
                break;
            case 'f':
                if (!scan_literal("false") || !consumer.boolean(false)) return false;
                break;
            case 'n':
                if (!scan_literal("null") || !consumer.null()) return false;
                break;
            default:
                if (!scan_integer()) return false;
        }
        // What follows it: the container's first member or its end, a comma
        // and the next member, or the end of a container or of the text.
        bool closed = false;
        if (opened) {
            skip_whitespace();
            if (at != end && *at == (open.back() == '{' ? '}' : ']')) {
                ++at;
                if (!(open.back() == '{' ? consumer.end_object() : consumer.end_array())) return false;
                open.pop_back();
                closed = true;
            } else if (open.back() == '[') {
                continue;
            }
        }
        if (!opened || closed) {
            for (;;) {
                skip_whitespace();
                if (open.empty()) return at == end;
                if (at == end) return false;
                if (*at == ',') {
                    ++at;
                    break;
                }
                if (*at != (open.back() == '{' ? '}' : ']')) return false;
                ++at;
                if (!(open.back() == '{' ? consumer.end_object() : consumer.end_array())) return false;
                open.pop_back();
            }
            if (open.back() == '[') continue;
        }
        // A key and its colon (the value follows).
        skip_whitespace();
        if (at == end || *at != '"' || !scan_string() || !consumer.key(scratch)) return false;
        skip_whitespace();
        if (at == end || *at != ':') return false;
        ++at;
    }
}

std::string json_pointer_token(const std::string& key) {
    std::string token;
    for (const char c : key) token += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return token;
}

}  // namespace

void check_json_text(std::string_view text, const Limits& limits) {
    BoundsChecker checker(limits);
    if (!Json::sax_parse(text.begin(), text.end(), &checker))
        throw JsonTextError(checker.reason(), checker.offset(), checker.exceeds_limits());
}

void check_json_tree(const Json& value, const Limits& limits, const std::string& path) {
    // Depth first with an explicit stack of open containers: memory grows with
    // the depth only, and a JSON path is built only for the error message.
    struct Open {
        const Json* container;
        Json::const_iterator next;
        std::size_t index = 0;  // of `next` among the container's members
        std::string key;        // of the member being visited (objects)
    };
    std::vector<Open> open;
    std::uint64_t values = 0;
    const auto where = [&] {
        std::string at = path;
        for (const Open& frame : open)
            at += "/" + (frame.container->is_object() ? json_pointer_token(frame.key) : std::to_string(frame.index - 1));
        return at.empty() ? std::string("/") : at;
    };
    const auto refuse = [&](const std::string& what) { throw JsonTextError(where() + ": " + what, std::nullopt, true); };
    const auto visit = [&](const Json& node) {
        if (++values > limits.max_json_values)
            refuse("JSON document has more than " + std::to_string(limits.max_json_values) + " values");
        if (node.is_number_float() && !std::isfinite(node.get<double>()))
            refuse("NaN and Infinity cannot be stored (JSON has no such numbers)");
        if (!node.is_structured()) return;
        if (open.size() >= limits.max_json_depth)
            refuse("JSON nesting deeper than " + std::to_string(limits.max_json_depth) + " levels");
        if (node.is_object() && node.size() > limits.max_json_object_members)
            refuse("a JSON object has more than " + std::to_string(limits.max_json_object_members) + " keys");
        open.push_back({&node, node.cbegin(), 0, {}});
    };
    visit(value);
    while (!open.empty()) {
        Open& frame = open.back();
        if (frame.next == frame.container->cend()) {
            open.pop_back();
            continue;
        }
        const Json& child = *frame.next;
        if (frame.container->is_object()) frame.key = frame.next.key();
        ++frame.next;
        ++frame.index;
        visit(child);  // may push: `frame` is not used after this
    }
}

namespace {

// Whether a text is too short to exceed the member and value limits: an
// object member takes at least 5 bytes (`"":0,`), a value at least one. Such a
// text's tree costs no more than that of any valid text of its size, so it may
// be checked while it is built; a longer one is checked first, without a tree,
// so that a hostile one (150,000 keys) is refused before an ordered_map of
// 10,000 of them is built.
bool fits_all_limits_but_depth(std::string_view text, const Limits& limits) {
    return text.size() / 5 <= limits.max_json_object_members && text.size() <= limits.max_json_values;
}

// The tree and its bounds in one pass; `observe` may be null.
Json parse_checked_json(std::string_view text, const Limits& limits, const JsonKeyObserver* observe) {
    try {
        // One pass for the common manifest of a few KiB, and whenever the keys
        // are observed (the observer may need every key in one pass).
        if (observe || fits_all_limits_but_depth(text, limits)) {
            if (!observe) {  // the plain lexer may give up half-way: an observer would hear keys twice
                Json result;
                BoundedTreeBuilder builder(result, limits);
                if (parse_plain_json(text, builder)) return result;
            }
            Json result;
            BoundedTreeBuilder builder(result, limits, observe);
            if (!Json::sax_parse(text.begin(), text.end(), &builder)) {
                const BoundsChecker& checker = builder.checker();
                throw JsonTextError(checker.reason(), checker.offset(), checker.exceeds_limits());
            }
            return result;
        }
        check_json_text(text, limits);
        return Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
        throw JsonTextError(syntax_error(e), e.byte > 0 ? e.byte - 1 : 0);
    } catch (const Json::exception& e) {
        throw JsonTextError(std::string("not valid JSON: ") + e.what(), std::nullopt);
    }
}

}  // namespace

Json parse_json(std::string_view text, const Limits& limits) { return parse_checked_json(text, limits, nullptr); }

Json parse_json(std::string_view text, const Limits& limits, const JsonKeyObserver& observe) {
    return parse_checked_json(text, limits, &observe);
}

std::string dump_python_json(const Json& value) {
    try {
        return value.dump(2, ' ', /*ensure_ascii=*/true);
    } catch (const Json::exception& e) {
        throw JsonTextError(std::string("cannot write JSON: ") + e.what(), std::nullopt);
    }
}

RAIIAF_DETAIL_NAMESPACE_END

RAIIAF_NAMESPACE_BEGIN

Json parse_json(std::string_view text, const Limits& limits) {
    try {
        return detail::parse_json(text, limits);
    } catch (const detail::JsonTextError& e) {
        throw InvalidArgument(e.what(), e.offset ? ErrorLocation::at_offset(*e.offset) : ErrorLocation{});
    }
}

bool is_json_syntax(std::string_view text) noexcept {
    try {
        return Json::accept(text.begin(), text.end());
    } catch (...) {
        return false;
    }
}

RAIIAF_NAMESPACE_END
