// Exception hierarchy. It mirrors the existing Python package's classes so the
// Python layer can map one to one: DecodeError > CorruptHeader, MetadataError,
// ChunkError > LatentError, ImageError, EnvChunkError. InvalidArgument is for
// bad input given to the writer; IoError for the file system.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace raiiaf {

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

class Error : public std::runtime_error {
public:
    Error(const std::string& what, ErrorLocation where = {});
    [[nodiscard]] const ErrorLocation& where() const noexcept { return where_; }
    // The message without the location suffix.
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    std::string reason_;
    ErrorLocation where_;
};

class DecodeError : public Error { using Error::Error; };
class CorruptHeader : public DecodeError { using DecodeError::DecodeError; };
// A PNG, JPEG or WebP image was given where an artifact was expected and it
// carries none (docs/FORMAT.md section 11).
class NoEmbeddedArtifact : public CorruptHeader { using CorruptHeader::CorruptHeader; };
class MetadataError : public DecodeError { using DecodeError::DecodeError; };
class ChunkError : public DecodeError { using DecodeError::DecodeError; };
class LatentError : public ChunkError { using ChunkError::ChunkError; };
class ImageError : public ChunkError { using ChunkError::ChunkError; };
class EnvChunkError : public ChunkError { using ChunkError::ChunkError; };

// A .npy or .safetensors input is malformed (the interop readers).
class TensorFileError : public DecodeError { using DecodeError::DecodeError; };

// A caller passed something the writer cannot store (bad dtype, schema
// violation, a layout that cannot hold the data, ...).
class InvalidArgument : public Error { using Error::Error; };

// The operating system refused a file operation.
class IoError : public Error { using Error::Error; };

}  // namespace raiiaf
