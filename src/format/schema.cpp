// Manifest validation against docs/manifest.schema.json (compiled in) with valijson.
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>

#include "raiiaf/errors.hpp"
#include "raiiaf/writer.hpp"

namespace raiiaf {

namespace detail {
extern const std::string_view manifest_schema_text;
}

namespace {

const valijson::Schema& compiled_schema() {
    static valijson::Schema schema;
    static std::once_flag parsed;
    std::call_once(parsed, [] {
        const nlohmann::json document = nlohmann::json::parse(detail::manifest_schema_text);
        valijson::SchemaParser parser;
        valijson::adapters::NlohmannJsonAdapter adapter(document);
        parser.populateSchema(adapter, schema);
    });
    return schema;
}

// valijson's context is {"<root>", "[raiiaf_metadata]", "[chunks]", "[0]", ...}.
std::string json_pointer(const std::vector<std::string>& context) {
    std::string path;
    for (const auto& part : context) {
        if (part == "<root>") continue;
        std::string name = part;
        if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
        path += "/" + name;
    }
    return path.empty() ? "/" : path;
}

// valijson reads every integer as int64, so an unsigned value past INT64_MAX
// (a seed up to 2^64-1) would read as negative and fail "minimum": 0. For
// checking only, such values become INT64_MAX: still integers, still >= 0.
void clamp_large_unsigned(nlohmann::json& value) {
    if (value.is_number_unsigned()) {
        if (value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) value = INT64_MAX;
    } else if (value.is_structured()) {
        for (auto& item : value) clamp_large_unsigned(item);
    }
}

}  // namespace

std::string_view manifest_schema() { return detail::manifest_schema_text; }

void validate_manifest(const Json& manifest) {
    // valijson's adapter reads nlohmann::json; key order does not matter to a schema.
    nlohmann::json plain = manifest;
    clamp_large_unsigned(plain);
    thread_local valijson::Validator validator;  // caches the schema's compiled regexes between calls
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(plain);
    if (validator.validate(compiled_schema(), target, &results)) return;
    // The deepest error is the most specific one.
    const valijson::ValidationResults::Error* deepest = nullptr;
    for (const auto& error : results)
        if (!deepest || error.context.size() > deepest->context.size()) deepest = &error;
    const std::string path = json_pointer(deepest->context);
    throw InvalidArgument("manifest breaks the schema: " + deepest->description, ErrorLocation::at_json_path(path));
}

}  // namespace raiiaf
