#include "env/environment_chunk.hpp"

#include <mutex>
#include <optional>
#include <utility>

#include "codecs/codec_table.hpp"
#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/sha256.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

EnvironmentChunk encode_environment(const Environment& env) {
    const std::string text = serialize_environment(env);
    const auto payload = std::as_bytes(std::span(text.data(), text.size()));
    EnvironmentChunk chunk;
    ChunkRecord& record = chunk.record;
    record.type = kEnvType;
    record.flags = kPlainChunkFlags;
    record.uncompressed_size = text.size();
    record.hash = sha256_hex(payload);
    record.compressed = true;
    const Bytes envelope = Bytes::copy_of(encode_chunk_header(record.type, record.flags, static_cast<std::uint32_t>(text.size())));
    chunk.pieces = encode_bytes(Codec::zstd, payload, envelope).pieces;
    Sha256 stored;
    for (const auto& piece : chunk.pieces) {
        stored.update(piece.span());
        record.compressed_size += piece.size();
    }
    record.extra[std::string(kStoredDigestKey)] = to_hex(stored.finish());
    return chunk;
}

}  // namespace

EnvironmentChunk environment_chunk(const Environment& env) {
    static std::mutex mutex;
    static std::optional<std::pair<Environment, EnvironmentChunk>> last;
    std::lock_guard lock(mutex);
    if (!last || last->first != env) last.emplace(env, encode_environment(env));
    return last->second;
}

Environment stored_environment(const ChunkRecord& record, std::span<const std::byte> stored) {
    DecodeRequest request;
    request.stored = stored;
    request.payload_size = record.uncompressed_size;
    Bytes payload;
    try {
        payload = decode_payload(record.compressed ? Codec::zstd : Codec::raw, request);
    } catch (const CodecError& e) {
        if (!record.compressed) throw InvalidArgument("the stored ENVC chunk's size does not match its record");
        throw InvalidArgument(std::string("the stored ENVC chunk cannot be decompressed: ") + e.what());
    }
    if (payload.size() != record.uncompressed_size)
        throw InvalidArgument("the stored ENVC chunk's size does not match its record");
    return parse_environment(payload.span());
}

RAIIAF_DETAIL_NAMESPACE_END
