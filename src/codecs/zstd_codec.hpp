// zstd frames as the container stores them. Every frame we write carries its
// content size and zstd's content checksum; every frame we read is
// decompressed into a buffer whose size we decided, never the frame.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct CodecError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One frame holding the concatenation of `parts` (e.g. envelope header + payload).
// With `block_per_part`, every part starts a new zstd block, so each gets its
// own entropy tables (what byte planes of different statistics need).
[[nodiscard]] std::vector<std::byte> zstd_compress(std::span<const std::span<const std::byte>> parts, int level = 3,
                                                   bool block_per_part = false);
[[nodiscard]] inline std::vector<std::byte> zstd_compress(std::initializer_list<std::span<const std::byte>> parts,
                                                          int level = 3) {
    return zstd_compress(std::span<const std::span<const std::byte>>(parts.begin(), parts.size()), level);
}

// One frame holding the concatenation of `parts` in raw (stored) blocks, with
// its content size and checksum. Every bit of such a frame matters: a flip
// changes the content (caught by the checksum) or breaks the frame, where a
// compressed frame has bits whose flip decodes to the same content.
[[nodiscard]] std::vector<std::byte> zstd_store(std::span<const std::span<const std::byte>> parts);
[[nodiscard]] inline std::vector<std::byte> zstd_store(std::initializer_list<std::span<const std::byte>> parts) {
    return zstd_store(std::span<const std::span<const std::byte>>(parts.begin(), parts.size()));
}

// The size of zstd_store's frame of `content_size` bytes, without building it.
[[nodiscard]] std::uint64_t zstd_stored_size(std::uint64_t content_size) noexcept;

// Decompresses `frame` (which must be exactly one or more whole frames) into
// `out`, requiring exactly out.size() bytes of content. Throws CodecError.
void zstd_decompress_exact(std::span<const std::byte> frame, std::span<std::byte> out);

// Decompresses `frame` into a new buffer of exactly `size` bytes. The frame's
// declared content size is checked before anything is allocated, and a frame
// that declares none grows its buffer only as content actually arrives, so a
// small frame cannot make us allocate the size a hostile manifest claims.
// Throws CodecError.
[[nodiscard]] std::vector<std::byte> zstd_decompress_to_size(std::span<const std::byte> frame, std::size_t size);

// Decompresses a frame whose content size we cannot know in advance, refusing
// to produce more than `max_size` bytes. Throws CodecError.
[[nodiscard]] std::vector<std::byte> zstd_decompress_bounded(std::span<const std::byte> frame,
                                                             std::size_t max_size);

// Size of the first frame in `data`; throws CodecError if it is not a whole frame.
[[nodiscard]] std::size_t zstd_frame_size(std::span<const std::byte> data);

RAIIAF_DETAIL_NAMESPACE_END
