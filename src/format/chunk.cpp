#include "format/chunk.hpp"

#include <cstring>

#include "format/little_endian.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {
struct FlagName {
    DType dtype;
    std::string_view flags;
};
constexpr std::array<FlagName, 10> kLatentFlags{{
    {DType::float32, "F32"},
    {DType::float16, "F16"},
    {DType::bfloat16, "BF16"},
    {DType::float64, "F64"},
    {DType::int8, "I8"},
    {DType::int16, "I16"},
    {DType::int32, "I32"},
    {DType::int64, "I64"},
    {DType::uint8, "U8"},
    {DType::boolean, "BOOL"},
}};
}  // namespace

std::array<std::byte, kChunkHeaderSize> encode_chunk_header(std::string_view type, std::string_view flags,
                                                            std::uint32_t size) {
    std::array<std::byte, kChunkHeaderSize> bytes{};
    std::memcpy(bytes.data(), type.data(), std::min<std::size_t>(type.size(), 4));
    std::memcpy(bytes.data() + 4, flags.data(), std::min<std::size_t>(flags.size(), 4));
    store_le<std::uint32_t>(bytes.data() + 8, size);
    return bytes;
}

ChunkHeader decode_chunk_header(std::span<const std::byte, kChunkHeaderSize> bytes) {
    ChunkHeader header;
    header.type.assign(reinterpret_cast<const char*>(bytes.data()), 4);
    header.flags.assign(reinterpret_cast<const char*>(bytes.data() + 4), 4);
    while (!header.flags.empty() && header.flags.back() == '\0') header.flags.pop_back();
    header.size = load_le<std::uint32_t>(bytes.data() + 8);
    return header;
}

std::string_view latent_flags(DType dtype) noexcept {
    for (const auto& entry : kLatentFlags)
        if (entry.dtype == dtype) return entry.flags;
    return "F32";
}

std::optional<DType> dtype_from_latent_flags(std::string_view flags) noexcept {
    for (const auto& entry : kLatentFlags)
        if (entry.flags == flags) return entry.dtype;
    return std::nullopt;
}

void throw_chunk_error(const std::string& what, const ErrorLocation& where) {
    if (where.chunk_type == kLatentType) throw LatentError(what, where);
    if (where.chunk_type == kImageType) throw ImageError(what, where);
    if (where.chunk_type == kEnvType) throw EnvChunkError(what, where);
    throw ChunkError(what, where);
}

RAIIAF_DETAIL_NAMESPACE_END
