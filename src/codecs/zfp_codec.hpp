// zfp streams as zfpy.compress_numpy writes them: a full zfp header (magic,
// field type and dimensions, mode) followed by the compressed blocks.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "raiiaf/tensor.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

// Compresses float32 or float64 values laid out in C order with `shape`.
// Lossless (zfp's reversible mode) unless `tolerance` is given (accuracy mode).
// Ranks above 4 fold their leading dimensions into zfp's slowest one.
[[nodiscard]] std::vector<std::byte> zfp_compress(std::span<const std::byte> values, bool is_double,
                                                  const Shape& shape,
                                                  std::optional<double> tolerance = std::nullopt);

// Decompresses into `out` (exactly shape x element size bytes) after checking
// the stream's header against the expected type and shape. Throws CodecError.
void zfp_decompress(std::span<const std::byte> stream, bool is_double, const Shape& shape,
                    std::span<std::byte> out);

// True if a tensor of this shape can be zfp-coded (no zero-sized dimension).
[[nodiscard]] bool zfp_can_code(const Shape& shape) noexcept;
// float16, float32 and float64; float16 travels widened to float32.
[[nodiscard]] bool zfp_can_code_dtype(DType dtype) noexcept;

// The stream of a zfp LATN chunk for a float16/32/64 tensor.
[[nodiscard]] std::vector<std::byte> zfp_encode_tensor(const Tensor& tensor, std::optional<double> tolerance);
// Its inverse; float16 values are narrowed back from the coded float32.
// Throws CodecError.
[[nodiscard]] Tensor zfp_decode_tensor(std::span<const std::byte> stream, DType dtype, const Shape& shape);

// libzfp's packed version (zfp_library_version), or nullopt when libzfp
// cannot be loaded (it is loaded on first use; the codec calls then throw
// CodecError naming it).
[[nodiscard]] std::optional<unsigned> loaded_zfp_version() noexcept;

RAIIAF_DETAIL_NAMESPACE_END
