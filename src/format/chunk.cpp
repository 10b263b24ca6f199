#include "format/chunk.hpp"

#include <cstring>

#include "codecs/zstd_codec.hpp"
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

RAIIAF_NAMESPACE_BEGIN

std::vector<std::byte> pack_chunk(std::string_view type, std::string_view flags, std::span<const std::byte> payload,
                                  bool compressed) {
    if (payload.size() > 0xFFFFFFFFull)
        throw InvalidArgument("a chunk's payload of " + std::to_string(payload.size()) +
                              " bytes does not fit its 4-byte size field");
    const auto header = detail::encode_chunk_header(type, flags, static_cast<std::uint32_t>(payload.size()));
    if (compressed) return detail::zstd_compress({std::span<const std::byte>(header), payload});
    std::vector<std::byte> out(header.begin(), header.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

ChunkEnvelope unpack_chunk(std::span<const std::byte> stored, bool compressed, std::uint64_t max_size) {
    std::vector<std::byte> decompressed;
    if (compressed) {
        try {
            decompressed = detail::zstd_decompress_bounded(stored, static_cast<std::size_t>(max_size));
        } catch (const detail::CodecError& e) {
            throw DecodeError(std::string("chunk cannot be decompressed: ") + e.what());
        }
        stored = decompressed;
    }
    if (stored.size() < kChunkHeaderSize)
        throw DecodeError("chunk of " + std::to_string(stored.size()) + " bytes is shorter than its " +
                          std::to_string(kChunkHeaderSize) + "-byte envelope header");
    ChunkEnvelope envelope;
    envelope.type.assign(reinterpret_cast<const char*>(stored.data()), 4);
    envelope.flags.assign(reinterpret_cast<const char*>(stored.data()) + 4, 4);
    envelope.size = detail::load_le<std::uint32_t>(stored.data() + 8);
    const auto body = stored.subspan(kChunkHeaderSize, std::min<std::size_t>(envelope.size, stored.size() - kChunkHeaderSize));
    envelope.payload.assign(body.begin(), body.end());
    return envelope;
}

RAIIAF_NAMESPACE_END
