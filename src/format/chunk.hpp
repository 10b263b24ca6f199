// The 12-byte chunk envelope header and the chunk-level vocabulary.
#pragma once

#include "raiiaf/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "raiiaf/dtype.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct ChunkHeader {
    std::string type;   // 4 characters
    std::string flags;  // trailing NULs removed
    std::uint32_t size = 0;
};

[[nodiscard]] std::array<std::byte, kChunkHeaderSize> encode_chunk_header(std::string_view type,
                                                                          std::string_view flags,
                                                                          std::uint32_t size);
[[nodiscard]] ChunkHeader decode_chunk_header(std::span<const std::byte, kChunkHeaderSize> bytes);

// "F32", "F16" as in the wild; "BF16", "F64", "I8", "I16", "I32", "I64", "U8", "BOOL" as extensions.
[[nodiscard]] std::string_view latent_flags(DType dtype) noexcept;
[[nodiscard]] std::optional<DType> dtype_from_latent_flags(std::string_view flags) noexcept;

// Flags of DATA, ENVC and META chunks.
inline constexpr std::string_view kPlainChunkFlags = "0000";

// Throws the error class that matches a chunk type: LatentError for LATN,
// ImageError for DATA, EnvChunkError for ENVC, ChunkError otherwise.
[[noreturn]] void throw_chunk_error(const std::string& what, const ErrorLocation& where);

RAIIAF_DETAIL_NAMESPACE_END
