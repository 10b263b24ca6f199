#include "image/embed.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "image/splice.hpp"
#include "raiiaf/errors.hpp"

namespace raiiaf::detail {

namespace {

std::uint32_t be32(const std::byte* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}
void put_be32(std::vector<std::byte>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte((v >> shift) & 0xFFu));
}

// One piece as found in the container: its data after any prefix, and where.
struct FoundPiece {
    std::span<const std::byte> data;  // piece header + piece
    std::uint64_t offset = 0;         // of the chunk or segment holding it
};

std::vector<FoundPiece> find_pieces(ImageContainer container, std::span<const std::byte> image) {
    std::vector<FoundPiece> found;
    switch (container) {
    case ImageContainer::png:
        for (const PngChunk& chunk : parse_png(image)) {
            if (chunk.type != kPngEmbedType) continue;
            if (!chunk.crc_ok)
                throw CorruptHeader(std::string("PNG chunk ") + chunk.type.c_str() + " holding an embedded artifact piece has a wrong CRC",
                                    ErrorLocation::at_offset(chunk.offset));
            found.push_back({chunk.data, chunk.offset});
        }
        break;
    case ImageContainer::jpeg:
        for (const JpegSegment& segment : parse_jpeg(image).segments) {
            const auto prefix = std::as_bytes(std::span(kJpegEmbedIdentifier.data(), kJpegEmbedIdentifier.size()));
            if (segment.marker != kJpegEmbedMarker || segment.data.size() < prefix.size() ||
                !std::equal(prefix.begin(), prefix.end(), segment.data.begin()))
                continue;
            found.push_back({segment.data.subspan(prefix.size()), segment.offset});
        }
        break;
    case ImageContainer::webp:
        for (const RiffChunk& chunk : parse_webp(image))
            if (chunk.fourcc == kWebpEmbedFourcc) found.push_back({chunk.data, chunk.offset});
        break;
    }
    return found;
}

std::vector<std::byte> assemble(ImageContainer container, std::vector<FoundPiece> found, const Limits& limits) {
    const std::string where_kind = std::string(container_name(container)) + " embedded artifact piece";
    std::uint64_t total = 0;
    std::vector<std::pair<std::uint32_t, const FoundPiece*>> ordered;
    ordered.reserve(found.size());
    const std::uint32_t count = found.front().data.size() >= kPieceHeaderSize ? be32(found.front().data.data() + 4) : 0;
    for (const FoundPiece& piece : found) {
        const auto location = ErrorLocation::at_offset(piece.offset);
        if (piece.data.size() < kPieceHeaderSize)
            throw CorruptHeader(where_kind + " is shorter than its 8-byte header", location);
        const std::uint32_t index = be32(piece.data.data());
        if (be32(piece.data.data() + 4) != count)
            throw CorruptHeader(where_kind + " says " + std::to_string(be32(piece.data.data() + 4)) +
                                    " pieces, the first one " + std::to_string(count),
                                location);
        if (index >= count)
            throw CorruptHeader(where_kind + " has index " + std::to_string(index) + " of " + std::to_string(count),
                                location);
        total += piece.data.size() - kPieceHeaderSize;
        ordered.emplace_back(index, &piece);
    }
    if (found.size() != count)
        throw CorruptHeader(std::string(container_name(container)) + " holds " + std::to_string(found.size()) +
                            " embedded artifact pieces, they say there are " + std::to_string(count));
    if (total > limits.max_file_size)
        throw CorruptHeader("embedded artifact of " + std::to_string(total) + " bytes exceeds the limit of " +
                            std::to_string(limits.max_file_size));
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::byte> artifact;
    artifact.reserve(total);
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        if (ordered[i].first != i)  // with count == found.size(), a gap means a duplicate
            throw CorruptHeader(where_kind + " " + std::to_string(ordered[i].first) + " appears twice",
                                ErrorLocation::at_offset(ordered[i].second->offset));
        const auto data = ordered[i].second->data.subspan(kPieceHeaderSize);
        artifact.insert(artifact.end(), data.begin(), data.end());
    }
    return artifact;
}

}  // namespace

std::vector<std::vector<std::byte>> artifact_pieces(std::span<const std::byte> artifact, std::size_t piece_size,
                                                    std::string_view prefix) {
    const std::size_t count = std::max<std::size_t>(1, (artifact.size() + piece_size - 1) / piece_size);
    if (count > 0xFFFFFFFFu) throw ContainerError("artifact needs more pieces than the header can count");
    std::vector<std::vector<std::byte>> pieces;
    pieces.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto part = artifact.subspan(i * piece_size, std::min(piece_size, artifact.size() - i * piece_size));
        std::vector<std::byte> piece;
        piece.reserve(prefix.size() + kPieceHeaderSize + part.size());
        const auto prefix_bytes = std::as_bytes(std::span(prefix.data(), prefix.size()));
        piece.insert(piece.end(), prefix_bytes.begin(), prefix_bytes.end());
        put_be32(piece, static_cast<std::uint32_t>(i));
        put_be32(piece, static_cast<std::uint32_t>(count));
        piece.insert(piece.end(), part.begin(), part.end());
        pieces.push_back(std::move(piece));
    }
    return pieces;
}

Bytes unwrap_embedded_artifact(Bytes file, const Limits& limits) {
    const auto container = sniff_image_container(file.span());
    if (!container) return file;
    const std::string name = container_name(*container);
    if (file.size() > limits.max_file_size)
        throw CorruptHeader(name + " image of " + std::to_string(file.size()) + " bytes exceeds the limit of " +
                            std::to_string(limits.max_file_size));
    std::vector<FoundPiece> found;
    try {
        found = find_pieces(*container, file.span());
    } catch (const ContainerError& e) {
        throw CorruptHeader(name + " image is damaged: " + e.what());
    }
    if (found.empty())
        throw NoEmbeddedArtifact(name + " image has no embedded artifact (export it with --embed to carry one)");
    return Bytes(assemble(*container, std::move(found), limits));
}

}  // namespace raiiaf::detail
