// Helpers shared by the .npy and .safetensors readers and writers.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "io/mapped_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/tensor.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

// A name or token from an untrusted file, quoted for an error message:
// control and non-ASCII bytes escaped, long text cut short.
inline std::string quoted_for_message(std::string_view text) {
    constexpr std::size_t kMaxShown = 120;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte == '"' || byte == '\\') {
            out += '\\';
            out += static_cast<char>(byte);
        } else if (byte >= 0x20 && byte < 0x7F) {
            out += static_cast<char>(byte);
        } else {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        }
    }
    if (text.size() > kMaxShown) out += "...";
    return out + "\"";
}

// "(1, 4, 64)" / "(5,)" / "()" as Python writes a tuple, or "[1, 4, 64]".
inline std::string format_shape(const Shape& shape, bool python_tuple) {
    std::string out = python_tuple ? "(" : "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) out += ", ";
        out += std::to_string(shape[i]);
    }
    if (python_tuple && shape.size() == 1) out += ",";
    return out + (python_tuple ? ")" : "]");
}

inline void check_input_size(std::uint64_t size, const Limits& limits, std::string_view format) {
    if (size > limits.max_file_size)
        throw TensorFileError(std::string(format) + " input of " + std::to_string(size) +
                              " bytes exceeds the limit of " + std::to_string(limits.max_file_size) + " bytes");
}

// Maps the file and runs `decode` over its bytes; a TensorFileError gets the
// path in front of its message. IoError when the file cannot be opened.
template <class Decode>
auto decode_mapped_file(const std::filesystem::path& path, Decode&& decode) {
    const auto mapped = MappedFile::open(path);
    try {
        auto decoded = std::forward<Decode>(decode)(mapped->bytes());
        mapped->throw_if_faulted();
        return decoded;
    } catch (const TensorFileError& error) {
        mapped->throw_if_faulted();
        throw TensorFileError(path.string() + ": " + error.reason(), error.where());
    }
}

RAIIAF_DETAIL_NAMESPACE_END
