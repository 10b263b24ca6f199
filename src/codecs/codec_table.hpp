// The codec table's encode and decode (the public half is include/raiiaf/codec.hpp).
// A payload is always kept in its chunk envelope: the codec stores the 12-byte
// chunk header and the payload bytes (docs/FORMAT.md section 6).
#pragma once

#include "raiiaf/config.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "raiiaf/bytes.hpp"
#include "raiiaf/codec.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/tensor.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

// A payload as stored: the concatenation of `pieces` is the chunk.
struct EncodedPayload {
    Codec codec = Codec::raw;  // the codec used: raw after the fallback
    std::vector<Bytes> pieces;
    // The split form (zfp): the sizes of the envelope header's frame and of the stream.
    std::optional<std::uint64_t> len_header;
    std::optional<std::uint64_t> len_data;
    // Lossy coding: the tensor bytes that decoding yields, which the payload hash covers.
    std::optional<Bytes> decoded;
    std::optional<double> tolerance;  // the error bound it was coded with

    [[nodiscard]] bool compressed() const noexcept { return codec != Codec::raw; }
    [[nodiscard]] std::uint64_t stored_size() const noexcept;
};

// The raw fallback: a coded form of `stored_size` bytes is stored raw instead
// when it is no smaller than the raw envelope and payload (zfp "lossless" on
// noise and zstd on random bytes expand). Raw is what every reader reads, and exact.
[[nodiscard]] bool raw_is_no_larger(std::uint64_t stored_size, std::uint64_t payload_size) noexcept;

// Stores `tensor` in its envelope (`envelope`, the chunk's 12-byte header)
// with `codec`, or raw by the fallback rule; a tensor without elements is
// stored raw. Throws InvalidArgument for a dtype the codec does not code
// (codec_refusal) or a tolerance that is not positive and finite, or given to
// a codec that takes none.
[[nodiscard]] EncodedPayload encode_payload(Codec codec, const Tensor& tensor, const Bytes& envelope,
                                            std::optional<double> tolerance = std::nullopt);

// A chunk's envelope stored with `codec`: the zstd frame of one small payload
// (ENVC) or raw.
[[nodiscard]] EncodedPayload encode_bytes(Codec codec, std::span<const std::byte> payload, const Bytes& envelope);

// What decoding a stored chunk needs besides its bytes.
struct DecodeRequest {
    std::span<const std::byte> stored;
    std::shared_ptr<const void> keepalive;  // keeps `stored` alive: a raw payload is returned as a view of it
    bool copy = false;                      // copy a raw payload out of `stored` instead
    std::uint64_t payload_size = 0;         // the record's uncompressed_size
    DType dtype = DType::uint8;             // latents: the element type and shape (zfp, shuffle-zstd)
    Shape shape;
    std::optional<std::uint64_t> len_header;  // the split form (zfp)
    // Called with the envelope's 12-byte header once decoded, before the payload is produced.
    std::function<void(std::span<const std::byte, kChunkHeaderSize>)> check_envelope;
    // Called with the bytes decoding is about to allocate, before allocating them.
    std::function<void(std::uint64_t)> charge;
};

// The payload of a chunk stored with `codec`. Throws CodecError when the
// stored bytes do not decode (the reader names the chunk).
[[nodiscard]] Bytes decode_payload(Codec codec, const DecodeRequest& request);

RAIIAF_DETAIL_NAMESPACE_END
