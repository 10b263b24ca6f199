#include "raiiaf/errors.hpp"

RAIIAF_NAMESPACE_BEGIN

std::string ErrorLocation::describe() const {
    std::string text;
    if (chunk_index) {
        text = "chunk " + std::to_string(*chunk_index);
        if (!chunk_type.empty()) text += " (" + chunk_type + ")";
    } else if (!chunk_type.empty()) {
        text = chunk_type;
    }
    if (offset) {
        if (!text.empty()) text += " ";
        text += "at offset " + std::to_string(*offset);
    }
    if (!json_path.empty()) {
        if (!text.empty()) text += ", ";
        text += "at " + json_path;
    }
    return text;
}

namespace {
std::string with_location(const std::string& what, const ErrorLocation& where) {
    const std::string location = where.describe();
    return location.empty() ? what : what + " (" + location + ")";
}
}  // namespace

Error::Error(const std::string& what, ErrorLocation where)
    : std::runtime_error(with_location(what, where)), reason_(what), where_(std::move(where)) {}

RAIIAF_NAMESPACE_END
