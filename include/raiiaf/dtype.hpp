// Element types of latent tensors.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

RAIIAF_NAMESPACE_BEGIN

enum class DType {
    float16,
    bfloat16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    boolean,
};

// numpy's names: "float16", "bfloat16", "float32", ..., "bool".
[[nodiscard]] std::string_view dtype_name(DType dtype) noexcept;
[[nodiscard]] std::optional<DType> dtype_from_name(std::string_view name) noexcept;
[[nodiscard]] std::size_t dtype_size(DType dtype) noexcept;
[[nodiscard]] bool dtype_is_float(DType dtype) noexcept;
// float16 and float32 are what the existing package reads; the rest are
// extensions that mark a file version_minor 1.
[[nodiscard]] bool dtype_is_legacy(DType dtype) noexcept;

RAIIAF_NAMESPACE_END
