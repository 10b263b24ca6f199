// Exception hierarchy. It mirrors the existing Python package's classes so the
// Python layer can map one to one: DecodeError > CorruptHeader, MetadataError,
// ChunkError > LatentError, ImageError, EnvChunkError. InvalidArgument is for
// bad input given to the writer; IoError for the file system.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

RAIIAF_NAMESPACE_BEGIN

// Where in a file a problem was found. Every field is optional: a header
// problem has no chunk, a manifest problem may have a JSON path instead.
struct ErrorLocation {
    std::optional<std::size_t> chunk_index;
    std::string chunk_type;               // "LATN", "DATA", "ENVC", "META", ...
    std::optional<std::uint64_t> offset;  // absolute file offset
    std::string json_path;                // e.g. "/raiiaf_metadata/chunks/2/offset"

    [[nodiscard]] std::string describe() const;  // "chunk 2 (DATA) at offset 8249"

    static ErrorLocation at_offset(std::uint64_t offset) { return {{}, {}, offset, {}}; }
    static ErrorLocation at_json_path(std::string path) { return {{}, {}, {}, std::move(path)}; }
    static ErrorLocation at_chunk(std::size_t index, std::string type, std::optional<std::uint64_t> offset,
                                  std::string path = {}) {
        return {index, std::move(type), offset, std::move(path)};
    }
};

// One value per class below: what an error is, for code that cannot catch
// C++ exceptions by type (the C API's result codes are these values) or that
// reports it by name (the CLI's and the Python module's error kinds).
enum class ErrorCode : int {
    other = 1,             // Error
    decode = 2,            // DecodeError
    corrupt_header = 3,    // CorruptHeader
    metadata = 4,          // MetadataError
    chunk = 5,             // ChunkError
    latent = 6,            // LatentError
    image = 7,             // ImageError
    env_chunk = 8,         // EnvChunkError
    tensor_file = 9,       // TensorFileError
    invalid_argument = 10, // InvalidArgument
    io = 11,               // IoError
};

// The class name: "Error", "DecodeError", "CorruptHeader", ... "IoError".
[[nodiscard]] std::string_view error_code_name(ErrorCode code) noexcept;
// The code a more general class has ("LatentError" -> ChunkError); nullopt for Error.
[[nodiscard]] std::optional<ErrorCode> error_code_parent(ErrorCode code) noexcept;

class Error : public std::runtime_error {
public:
    Error(const std::string& what, ErrorLocation where = {});
    [[nodiscard]] const ErrorLocation& where() const noexcept { return where_; }
    // The message without the location suffix.
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
    // Which class this is (the most derived one).
    [[nodiscard]] virtual ErrorCode code() const noexcept { return ErrorCode::other; }

private:
    std::string reason_;
    ErrorLocation where_;
};

class DecodeError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::decode; }
};
class CorruptHeader : public DecodeError {
public:
    using DecodeError::DecodeError;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::corrupt_header; }
};
// A PNG, JPEG or WebP image was given where an artifact was expected and it
// carries none (docs/FORMAT.md section 11). Its code is
// CorruptHeader's: to the error-code mapping it is that class.
class NoEmbeddedArtifact : public CorruptHeader {
public:
    using CorruptHeader::CorruptHeader;
};
class MetadataError : public DecodeError {
public:
    using DecodeError::DecodeError;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::metadata; }
};
class ChunkError : public DecodeError {
public:
    using DecodeError::DecodeError;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::chunk; }
};
class LatentError : public ChunkError {
public:
    using ChunkError::ChunkError;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::latent; }
};
class ImageError : public ChunkError {
public:
    using ChunkError::ChunkError;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::image; }
};
class EnvChunkError : public ChunkError {
public:
    using ChunkError::ChunkError;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::env_chunk; }
};

// A .npy or .safetensors input is malformed (the interop readers).
class TensorFileError : public DecodeError {
public:
    using DecodeError::DecodeError;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::tensor_file; }
};

// A caller passed something the writer cannot store (bad dtype, schema
// violation, a layout that cannot hold the data, ...).
class InvalidArgument : public Error {
public:
    using Error::Error;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::invalid_argument; }
};

// The operating system refused a file operation.
class IoError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ErrorCode code() const noexcept override { return ErrorCode::io; }
    // system_error: the errno behind it (ENOSPC, EROFS, ...), for callers
    // that map it (Python raises the matching OSError subclass).
    IoError(const std::string& what, int system_error) : Error(what), system_error_(system_error) {}
    // 0 when the failure has no errno (a file that shrank while mapped).
    [[nodiscard]] int system_error() const noexcept { return system_error_; }

private:
    int system_error_ = 0;
};


// A catalogue query (raiiaf find) that does not parse; column() is the
// 1-based position in the query text where the problem starts.
class QueryError : public InvalidArgument {
public:
    QueryError(const std::string& what, std::size_t column)
        : InvalidArgument("column " + std::to_string(column) + ": " + what), column_(column) {}
    [[nodiscard]] std::size_t column() const noexcept { return column_; }

private:
    std::size_t column_;
};

// The catalogue's database refused an operation (cannot open or connect,
// a newer schema than this library knows, a failed statement).
class CatalogError : public Error {
public:
    using Error::Error;
};

RAIIAF_NAMESPACE_END
