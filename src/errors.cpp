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

std::string_view error_code_name(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::other: return "Error";
        case ErrorCode::decode: return "DecodeError";
        case ErrorCode::corrupt_header: return "CorruptHeader";
        case ErrorCode::metadata: return "MetadataError";
        case ErrorCode::chunk: return "ChunkError";
        case ErrorCode::latent: return "LatentError";
        case ErrorCode::image: return "ImageError";
        case ErrorCode::env_chunk: return "EnvChunkError";
        case ErrorCode::tensor_file: return "TensorFileError";
        case ErrorCode::invalid_argument: return "InvalidArgument";
        case ErrorCode::io: return "IoError";
    }
    return "Error";
}

std::optional<ErrorCode> error_code_parent(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::other: return std::nullopt;
        case ErrorCode::decode:
        case ErrorCode::invalid_argument:
        case ErrorCode::io: return ErrorCode::other;
        case ErrorCode::corrupt_header:
        case ErrorCode::metadata:
        case ErrorCode::chunk:
        case ErrorCode::tensor_file: return ErrorCode::decode;
        case ErrorCode::latent:
        case ErrorCode::image:
        case ErrorCode::env_chunk: return ErrorCode::chunk;
    }
    return std::nullopt;
}

RAIIAF_NAMESPACE_END
