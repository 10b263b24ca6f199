#include "image/embed.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "format/sha256.hpp"
#include "image/container.hpp"
#include "image/splice.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

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

std::vector<FoundPiece> find_pieces(std::span<const std::byte> bytes, const std::string& name) {
    image::ContainerLayout layout;
    try {
        layout = image::list_segments(bytes);  // every PNG chunk's CRC but IDAT's is checked
    } catch (const ImageError& e) {
        throw CorruptHeader(name + " image is damaged: " + e.reason(), e.where());
    }
    std::vector<FoundPiece> found;
    const std::string jpeg_app = "APP" + std::to_string(kJpegEmbedMarker - 0xE0);
    for (const image::Segment& segment : layout.segments) {
        if (layout.format == "png" && segment.type == kPngEmbedType) {
            found.push_back({segment.data, segment.offset});
        } else if (layout.format == "jpeg" && segment.type == jpeg_app && segment.data.size() >= kJpegEmbedIdentifier.size() &&
                   std::memcmp(segment.data.data(), kJpegEmbedIdentifier.data(), kJpegEmbedIdentifier.size()) == 0) {
            found.push_back({segment.data.subspan(kJpegEmbedIdentifier.size()), segment.offset});
        } else if (layout.format == "webp" && segment.type == kWebpEmbedFourcc) {
            // Our own chunk is held to RIFF's rule that the pad byte is zero, so no bit of it goes unchecked.
            const std::uint64_t pad = segment.offset + 8 + segment.data.size();
            if (segment.length > 8 + segment.data.size() && bytes[pad] != std::byte{0})
                throw CorruptHeader(name + " embedded artifact chunk has a pad byte that is not zero",
                                    ErrorLocation::at_offset(pad));
            found.push_back({segment.data, segment.offset});
        }
    }
    return found;
}

std::vector<std::byte> assemble(const std::string& name, const std::vector<FoundPiece>& found, const Limits& limits) {
    const std::string where_kind = name + " embedded artifact piece";
    std::uint64_t total = 0;
    std::vector<std::pair<std::uint32_t, const FoundPiece*>> ordered;
    ordered.reserve(found.size());
    if (found.front().data.size() < kPieceHeaderSize)
        throw CorruptHeader(where_kind + " is shorter than its " + std::to_string(kPieceHeaderSize) + "-byte header",
                            ErrorLocation::at_offset(found.front().offset));
    const std::uint32_t count = be32(found.front().data.data() + 4);
    for (const FoundPiece& piece : found) {
        const auto location = ErrorLocation::at_offset(piece.offset);
        if (piece.data.size() < kPieceHeaderSize)
            throw CorruptHeader(where_kind + " is shorter than its " + std::to_string(kPieceHeaderSize) + "-byte header",
                                location);
        const std::uint32_t index = be32(piece.data.data());
        if (be32(piece.data.data() + 4) != count)
            throw CorruptHeader(where_kind + " says " + std::to_string(be32(piece.data.data() + 4)) +
                                    " pieces, the first one " + std::to_string(count),
                                location);
        if (index >= count)
            throw CorruptHeader(where_kind + " has index " + std::to_string(index) + " of " + std::to_string(count),
                                location);
        if (std::memcmp(piece.data.data() + 8, found.front().data.data() + 8, 32) != 0)
            throw CorruptHeader(where_kind + " names another artifact digest than the first piece", location);
        total += piece.data.size() - kPieceHeaderSize;
        ordered.emplace_back(index, &piece);
    }
    if (found.size() != count)
        throw CorruptHeader(name + " holds " + std::to_string(found.size()) +
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
    const Sha256Digest digest = sha256(artifact);
    if (std::memcmp(digest.data(), found.front().data.data() + 8, digest.size()) != 0)
        throw CorruptHeader("SHA-256 of the " + name + " embedded artifact does not match its pieces' headers",
                            ErrorLocation::at_offset(found.front().offset));
    return artifact;
}

}  // namespace

std::vector<std::vector<std::byte>> artifact_pieces(std::span<const std::byte> artifact, std::size_t piece_size,
                                                    std::string_view prefix) {
    const std::size_t count = std::max<std::size_t>(1, (artifact.size() + piece_size - 1) / piece_size);
    if (count > 0xFFFFFFFFu) throw SpliceError("artifact needs more pieces than the header can count");
    const Sha256Digest digest = sha256(artifact);
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
        for (const unsigned char b : digest) piece.push_back(std::byte{b});
        piece.insert(piece.end(), part.begin(), part.end());
        pieces.push_back(std::move(piece));
    }
    return pieces;
}

Bytes unwrap_embedded_artifact(Bytes file, const Limits& limits) {
    const std::string_view format = detect_image_format(file.span());
    if (format.empty()) return file;
    const std::string name = format == "png" ? "PNG" : format == "jpeg" ? "JPEG" : "WebP";
    if (file.size() > limits.max_file_size)
        throw CorruptHeader(name + " image of " + std::to_string(file.size()) + " bytes exceeds the limit of " +
                            std::to_string(limits.max_file_size));
    const std::vector<FoundPiece> found = find_pieces(file.span(), name);
    if (found.empty())
        throw NoEmbeddedArtifact(name + " image has no embedded artifact (export it with --embed to carry one)");
    return Bytes(assemble(name, found, limits));
}

RAIIAF_DETAIL_NAMESPACE_END
