// A whole artifact carried inside a PNG, JPEG or WebP image as ancillary data
// every decoder skips (docs/FORMAT.md section 11): split
// into pieces, each with a 40-byte header: u32 BE index, u32 BE count and the
// SHA-256 of the whole artifact, which covers the bytes the artifact's own
// checks ignore (its header's flags and reserved fields).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "raiiaf/bytes.hpp"
#include "raiiaf/limits.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

inline constexpr std::string_view kPngEmbedType = "raIf";       // ancillary, private, safe to copy
inline constexpr std::uint8_t kJpegEmbedMarker = 0xE9;           // APP9
inline constexpr std::string_view kJpegEmbedIdentifier{"RAIIAF\0", 7};
inline constexpr std::string_view kWebpEmbedFourcc = "RAIF";
inline constexpr std::size_t kPieceHeaderSize = 40;
// What a writer puts in one piece (readers accept any size the container allows).
inline constexpr std::size_t kPngPieceSize = 1u << 20;
inline constexpr std::size_t kJpegPieceSize = 65533 - kJpegEmbedIdentifier.size() - kPieceHeaderSize;

// The artifact cut into pieces of at most `piece_size` bytes, each preceded by
// `prefix` and the piece header: the data of one chunk or segment each.
[[nodiscard]] std::vector<std::vector<std::byte>> artifact_pieces(std::span<const std::byte> artifact,
                                                                  std::size_t piece_size,
                                                                  std::string_view prefix = {});

// If `file` is a PNG, JPEG or WebP image: the artifact embedded in it, put back
// together (throws NoEmbeddedArtifact when there is none, CorruptHeader when
// the container or the pieces are damaged, or the digest does not match).
// Anything else comes back as is.
[[nodiscard]] Bytes unwrap_embedded_artifact(Bytes file, const Limits& limits);

RAIIAF_DETAIL_NAMESPACE_END
