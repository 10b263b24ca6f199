#include "raiiaf/export.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "format/image.hpp"
#include "image/splice.hpp"
#include "image/container.hpp"
#include "image/embed.hpp"
#include "image/infotext.hpp"
#include "image/metadata_writer.hpp"
#include "io/atomic_file.hpp"
#include "io/mapped_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/version.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {

using detail::bytes_of;
namespace img = detail::image;

constexpr std::string_view kXmpPngKeyword = "XML:com.adobe.xmp";
constexpr std::string_view kXmpJpegPrefix{"http://ns.adobe.com/xap/1.0/\0", 29};
constexpr std::string_view kExifJpegPrefix{"Exif\0\0", 6};

bool starts_with(std::span<const std::byte> data, std::string_view prefix) {
    return data.size() >= prefix.size() && std::memcmp(data.data(), prefix.data(), prefix.size()) == 0;
}

// The text metadata the export writes; each part empty when not wanted.
struct Metadata {
    std::optional<std::string> infotext;
    std::optional<std::string> comfy_prompt;    // ComfyUI's API graph, JSON text
    std::optional<std::string> comfy_workflow;  // ComfyUI's UI workflow, JSON text
    std::optional<std::string> xmp;
    std::vector<std::byte> artifact;  // the artifact to embed, empty: none
};

// What the importer kept of a ComfyUI image: entries {"source", "key", "text"}
// under generation_settings.imported_metadata, written back verbatim.
std::optional<std::string> imported_text(const ModelInfo& model, std::string_view key) {
    if (!model.generation_settings || !model.generation_settings->is_object()) return std::nullopt;
    const auto list = model.generation_settings->find("imported_metadata");
    if (list == model.generation_settings->end() || !list->is_array()) return std::nullopt;
    for (const Json& entry : *list) {
        if (!entry.is_object()) continue;
        const auto k = entry.find("key");
        const auto t = entry.find("text");
        if (k == entry.end() || t == entry.end() || !k->is_string() || !t->is_string() || *k != key) continue;
        std::string text = t->get<std::string>();
        // From a WebP's EXIF the importer may keep ComfyUI's "prompt:" tag prefix.
        if (const std::string tag = std::string(key) + ":"; text.rfind(tag, 0) == 0) text.erase(0, tag.size());
        return text;
    }
    return std::nullopt;
}

[[noreturn]] void too_large(const char* what, std::size_t size, const char* option) {
    throw InvalidArgument(std::string(what) + " of " + std::to_string(size) +
                          " bytes does not fit a JPEG segment (64 KiB); export with " + option);
}

// ---- PNG ------------------------------------------------------------------------

std::vector<std::byte> text_chunk(std::string_view keyword, const std::string& text, bool force_itxt) {
    std::vector<std::byte> data(bytes_of(keyword).begin(), bytes_of(keyword).end());
    data.push_back(std::byte{0});
    const auto narrow = force_itxt ? std::nullopt : detail::latin1(text);
    if (narrow) {
        detail::append(data, bytes_of(*narrow));
        return detail::png_chunk("tEXt", data);
    }
    for (int i = 0; i < 4; ++i) data.push_back(std::byte{0});  // uncompressed, no language, no translated keyword
    detail::append(data, bytes_of(text));
    return detail::png_chunk("iTXt", data);
}

// The keyword of a tEXt, zTXt or iTXt chunk, else "".
std::string text_keyword(const img::Segment& chunk) {
    if (chunk.type != "tEXt" && chunk.type != "zTXt" && chunk.type != "iTXt") return {};
    const auto* p = reinterpret_cast<const char*>(chunk.data.data());
    return std::string(p, strnlen(p, std::min<std::size_t>(chunk.data.size(), 80)));
}

std::vector<std::byte> export_png(std::span<const std::byte> image, const img::ContainerLayout& layout, const Metadata& m) {
    std::vector<std::pair<std::string, std::string>> texts;  // keyword, text
    if (m.infotext) texts.emplace_back("parameters", *m.infotext);
    if (m.comfy_prompt) texts.emplace_back("prompt", *m.comfy_prompt);
    if (m.comfy_workflow) texts.emplace_back("workflow", *m.comfy_workflow);
    if (m.xmp) texts.emplace_back(kXmpPngKeyword, *m.xmp);

    std::vector<std::byte> out(bytes_of(detail::kPngSignature).begin(), bytes_of(detail::kPngSignature).end());
    out.reserve(image.size() + m.artifact.size() + 4096);
    bool texts_placed = false;
    for (const auto& chunk : layout.segments) {
        if (chunk.type == detail::kPngEmbedType) continue;  // a previous export's artifact
        const std::string keyword = text_keyword(chunk);
        if (!keyword.empty() && std::any_of(texts.begin(), texts.end(), [&](const auto& t) { return t.first == keyword; }))
            continue;  // replaced by ours
        // Text before the image data, where readers that stop at IDAT find it.
        if ((chunk.type == "IDAT" || chunk.type == "IEND") && !texts_placed) {
            for (const auto& [key, text] : texts) detail::append(out, text_chunk(key, text, key == kXmpPngKeyword));
            texts_placed = true;
        }
        // The artifact after the image data: decoders show the picture first.
        if (chunk.type == "IEND" && !m.artifact.empty())
            for (const auto& piece : detail::artifact_pieces(m.artifact, detail::kPngPieceSize))
                detail::append(out, detail::png_chunk(detail::kPngEmbedType, piece));
        detail::append(out, image.subspan(chunk.offset, chunk.length));
    }
    return out;
}

// ---- JPEG -----------------------------------------------------------------------

std::vector<std::byte> with_prefix(std::string_view prefix, std::span<const std::byte> body) {
    std::vector<std::byte> data(bytes_of(prefix).begin(), bytes_of(prefix).end());
    detail::append(data, body);
    return data;
}

detail::ExifFields exif_fields(const Metadata& m) {
    return {m.infotext, m.comfy_workflow ? std::optional("workflow:" + *m.comfy_workflow) : std::nullopt,
            m.comfy_prompt ? std::optional("prompt:" + *m.comfy_prompt) : std::nullopt};
}

std::vector<std::byte> export_jpeg(std::span<const std::byte> image, const img::ContainerLayout& layout, const Metadata& m) {
    std::vector<std::byte> exif, xmp;
    if (m.infotext || m.comfy_prompt || m.comfy_workflow) {
        std::span<const std::byte> existing;
        for (const auto& segment : layout.segments)
            if (segment.type == "APP1" && starts_with(segment.data, kExifJpegPrefix)) {
                existing = segment.data;
                break;
            }
        exif = with_prefix(kExifJpegPrefix, detail::encode_exif(exif_fields(m), existing));
        if (exif.size() > detail::kJpegMaxSegmentData) too_large("EXIF with the parameters", exif.size(), "--no-parameters");
    }
    if (m.xmp) {
        xmp = with_prefix(kXmpJpegPrefix, bytes_of(*m.xmp));
        if (xmp.size() > detail::kJpegMaxSegmentData) too_large("XMP with the prompt", xmp.size(), "--no-xmp");
    }
    const std::string embed_app = "APP" + std::to_string(detail::kJpegEmbedMarker - 0xE0);
    std::vector<const img::Segment*> kept;  // SOI excluded: written first
    for (const auto& segment : layout.segments) {
        if (segment.type == "SOI") continue;
        if (segment.type == "APP1" && !exif.empty() && starts_with(segment.data, kExifJpegPrefix)) continue;
        if (segment.type == "APP1" && !xmp.empty() && starts_with(segment.data, kXmpJpegPrefix)) continue;
        if (segment.type == embed_app && starts_with(segment.data, detail::kJpegEmbedIdentifier)) continue;
        kept.push_back(&segment);
    }
    const auto is_app_or_comment = [](const std::string& type) { return type.rfind("APP", 0) == 0 || type == "COM"; };
    std::vector<std::byte> out{std::byte{0xFF}, std::byte{0xD8}};
    out.reserve(image.size() + m.artifact.size() * 1001 / 1000 + 4096);
    const auto copy = [&](const img::Segment* segment) { detail::append(out, image.subspan(segment->offset, segment->length)); };
    std::size_t i = 0;
    while (i < kept.size() && kept[i]->type == "APP0") copy(kept[i++]);  // JFIF stays first
    if (!exif.empty()) detail::append(out, detail::jpeg_segment(0xE1, exif));
    if (!xmp.empty()) detail::append(out, detail::jpeg_segment(0xE1, xmp));
    while (i < kept.size() && is_app_or_comment(kept[i]->type)) copy(kept[i++]);
    if (!m.artifact.empty())
        for (const auto& piece : detail::artifact_pieces(m.artifact, detail::kJpegPieceSize, detail::kJpegEmbedIdentifier))
            detail::append(out, detail::jpeg_segment(detail::kJpegEmbedMarker, piece));
    for (; i < kept.size(); ++i) copy(kept[i]);  // the tables, the frame, the scan to the end
    return out;
}

// ---- WebP -----------------------------------------------------------------------

constexpr std::uint8_t kVp8xAlpha = 0x10, kVp8xExif = 0x08, kVp8xXmp = 0x04;

std::vector<std::byte> export_webp(std::span<const std::byte> image, const img::ContainerLayout& layout, const Metadata& m) {
    const auto& chunks = layout.segments;
    std::vector<std::byte> exif, xmp;
    if (m.infotext || m.comfy_prompt || m.comfy_workflow) {
        const auto existing = std::find_if(chunks.begin(), chunks.end(), [](const auto& c) { return c.type == "EXIF"; });
        exif = detail::encode_exif(exif_fields(m), existing == chunks.end() ? std::span<const std::byte>() : existing->data);
    }
    if (m.xmp) xmp.assign(bytes_of(*m.xmp).begin(), bytes_of(*m.xmp).end());

    // Metadata needs the extended format: a VP8X header first, whose flags say what follows.
    const bool extended = chunks.front().type == "VP8X";
    std::vector<std::byte> vp8x;
    if (extended) {
        if (chunks.front().data.size() < 10) throw ImageError("WebP VP8X chunk is shorter than 10 bytes");
        vp8x.assign(chunks.front().data.begin(), chunks.front().data.end());
    } else {
        const auto properties = detail::inspect_image(image);
        const auto& first = chunks.front();
        std::uint8_t flags = 0;
        if (first.type == "VP8L" && first.data.size() >= 5 && (static_cast<std::uint8_t>(first.data[4]) & 0x10u))
            flags |= kVp8xAlpha;  // alpha_is_used, bit 28 of the lossless header
        vp8x.assign(10, std::byte{0});
        vp8x[0] = std::byte{flags};
        for (int i = 0; i < 3; ++i) {
            vp8x[4 + i] = std::byte(((properties.width - 1) >> (8 * i)) & 0xFFu);
            vp8x[7 + i] = std::byte(((properties.height - 1) >> (8 * i)) & 0xFFu);
        }
    }
    std::vector<std::byte> body;
    body.reserve(image.size() + m.artifact.size() + 4096);
    bool has_exif = !exif.empty(), has_xmp = !xmp.empty();
    for (std::size_t i = extended ? 1 : 0; i < chunks.size(); ++i) {
        const auto& chunk = chunks[i];
        if (chunk.type == detail::kWebpEmbedFourcc) continue;
        if (chunk.type == "EXIF" && !exif.empty()) continue;
        if (chunk.type == "XMP " && !xmp.empty()) continue;
        has_exif |= chunk.type == "EXIF";
        has_xmp |= chunk.type == "XMP ";
        detail::append(body, detail::riff_chunk(chunk.type, chunk.data));  // re-padded: a missing last pad byte is restored
    }
    // The order the WebP container specification gives: image data, EXIF, XMP, then unknown chunks.
    if (!exif.empty()) detail::append(body, detail::riff_chunk("EXIF", exif));
    if (!xmp.empty()) detail::append(body, detail::riff_chunk("XMP ", xmp));
    if (!m.artifact.empty())
        for (const auto& piece : detail::artifact_pieces(m.artifact, 0xFFFFFFFEu - detail::kPieceHeaderSize))
            detail::append(body, detail::riff_chunk(detail::kWebpEmbedFourcc, piece));
    auto flags = static_cast<std::uint8_t>(vp8x[0]);
    flags = static_cast<std::uint8_t>((flags & ~(kVp8xExif | kVp8xXmp)) | (has_exif ? kVp8xExif : 0) | (has_xmp ? kVp8xXmp : 0));
    vp8x[0] = std::byte{flags};
    std::vector<std::byte> chunks_bytes = detail::riff_chunk("VP8X", vp8x);
    detail::append(chunks_bytes, body);
    return detail::webp_file(chunks_bytes);
}

Bytes artifact_bytes(std::span<const std::byte> artifact, const Limits& limits) {
    return detail::unwrap_embedded_artifact(Bytes::borrowed(artifact), limits);
}

// "png", "jpeg" or "webp"; ImageError for anything else.
std::string stored_format(const Reader& reader, const Bytes& image) {
    const std::string_view format = detect_image_format(image.span());
    if (format.empty()) {
        const auto info = reader.image_info();
        throw ImageError("the stored image is not a PNG, JPEG or WebP and cannot be exported",
                         ErrorLocation::at_chunk(info->chunk_index, std::string(kImageType), reader.chunks()[info->chunk_index].offset));
    }
    return std::string(format);
}

}  // namespace

std::string export_format(std::span<const std::byte> artifact, const Limits& limits) {
    const Bytes file = artifact_bytes(artifact, limits);
    const Reader reader = Reader::from_bytes(file, {.limits = limits, .verify_hashes = true});
    return stored_format(reader, reader.load_image());
}

std::vector<std::byte> export_image(std::span<const std::byte> artifact, const ExportOptions& options) {
    const Bytes file = artifact_bytes(artifact, options.limits);
    const Reader reader = Reader::from_bytes(file, {.limits = options.limits, .verify_hashes = true});
    Bytes image;
    const auto image_chunk = reader.image_info();
    if (options.embed) {  // never embed a damaged artifact; the check's decoded image is the one exported
        reader.verify([&](VerifiedPayload&& verified) {
                  if (image_chunk && verified.chunk_index == image_chunk->chunk_index) image = std::move(verified.payload);
              }).throw_if_failed();
    }
    if (!options.embed || !image_chunk) image = reader.load_image();  // ImageError for a file without one
    const std::string format = stored_format(reader, image);
    const ModelInfo& model = reader.model_info();

    Metadata m;
    if (options.parameters) {
        std::optional<std::pair<std::uint32_t, std::uint32_t>> size;
        try {
            const auto properties = detail::inspect_image(image.span());
            size = std::pair{properties.width, properties.height};
        } catch (const detail::ImageCheckError&) {  // the size is then left out
        }
        m.infotext = detail::infotext_for(model, size).text();
        m.comfy_prompt = imported_text(model, "prompt");
        m.comfy_workflow = imported_text(model, "workflow");
    }
    if (options.xmp)
        m.xmp = detail::encode_xmp({model.model_name, model.version, model.prompt,
                                    "raiiaf " + std::string(library_version())});
    if (options.embed) m.artifact.assign(file.span().begin(), file.span().end());

    std::vector<std::byte> out;
    try {
        const auto layout = img::list_segments(image.span());
        out = format == "png" ? export_png(image.span(), layout, m)
            : format == "jpeg" ? export_jpeg(image.span(), layout, m)
                               : export_webp(image.span(), layout, m);
    } catch (const Error& e) {
        const auto info = reader.image_info();
        throw ImageError("the stored image cannot be exported: " + e.reason(),
                         ErrorLocation::at_chunk(info->chunk_index, std::string(kImageType), reader.chunks()[info->chunk_index].offset));
    } catch (const detail::SpliceError& e) {
        throw InvalidArgument(std::string("the exported image cannot be written: ") + e.what());
    }
    // What we produce must read back: a strict structural check, and the artifact bit for bit.
    try {
        (void)detail::inspect_image(out);
    } catch (const detail::ImageCheckError& e) {
        throw ImageError(std::string("exported image fails its own check: ") + e.what());
    }
    if (options.embed) {
        const Bytes back = detail::unwrap_embedded_artifact(Bytes::borrowed(std::span<const std::byte>(out)), options.limits);
        if (back.size() != file.size() || std::memcmp(back.data(), file.data(), file.size()) != 0)
            throw ImageError("exported image does not give back the artifact it embeds");
    }
    return out;
}

namespace {
// The exported image, once `out`'s extension is checked against its format.
std::vector<std::byte> export_image_for(std::span<const std::byte> artifact, const std::filesystem::path& out,
                                        const ExportOptions& options) {
    std::string extension = out.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string wanted = export_format(artifact, options.limits);
    const std::string named = extension == ".png" ? "png" : extension == ".jpg" || extension == ".jpeg" ? "jpeg"
                            : extension == ".webp" ? "webp" : "";
    if (named != wanted)
        throw InvalidArgument(out.string() + ": the artifact's image is " + wanted + ", so the output must end in " +
                              (wanted == "png" ? ".png" : wanted == "jpeg" ? ".jpg or .jpeg" : ".webp") +
                              " (export does not re-encode pixels)");
    return export_image(artifact, options);
}
}  // namespace

void export_image_file(std::span<const std::byte> artifact, const std::filesystem::path& out,
                       const ExportOptions& options) {
    detail::write_file_atomically(out, export_image_for(artifact, out, options));
}

void export_image_file(const std::filesystem::path& artifact, const std::filesystem::path& out,
                       const ExportOptions& options) {
    const auto mapping = detail::MappedFile::open(artifact);
    // A file that shrinks meanwhile reads as zeros: its IoError, not what the zeros failed, and nothing written.
    std::vector<std::byte> image;
    try {
        image = export_image_for(mapping->bytes(), out, options);
    } catch (...) {
        mapping->throw_if_faulted();
        throw;
    }
    mapping->throw_if_faulted();
    detail::write_file_atomically(out, image);
}

RAIIAF_NAMESPACE_END
