#include "format/json_text.hpp"

namespace raiiaf::detail {

namespace {
// True when brackets outside string literals nest deeper than max_depth.
bool nests_deeper_than(std::string_view text, std::uint32_t max_depth) {
    std::uint32_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}
}  // namespace

Json parse_json(std::string_view text, std::uint32_t max_depth) {
    if (nests_deeper_than(text, max_depth))
        throw JsonTextError("JSON nesting deeper than " + std::to_string(max_depth) + " levels");
    try {
        return Json::parse(text.begin(), text.end());
    } catch (const Json::exception& e) {
        throw JsonTextError(std::string("invalid JSON: ") + e.what());
    }
}

std::string dump_python_json(const Json& value) {
    try {
        return value.dump(2, ' ', /*ensure_ascii=*/true);
    } catch (const Json::exception& e) {
        throw JsonTextError(std::string("cannot write JSON: ") + e.what());
    }
}

}  // namespace raiiaf::detail
