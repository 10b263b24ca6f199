#include "raiiaf/export.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "format/image.hpp"
#include "image/splice.hpp"
#include "image/embed.hpp"
#include "image/infotext.hpp"
#include "image/metadata_writer.hpp"
#include "io/atomic_file.hpp"
#include "io/mapped_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/version.hpp"

namespace raiiaf {

namespace {

using detail::ImageContainer;

constexpr std::string_view kXmpPngKeyword = "XML:com.adobe.xmp";
constexpr std::string_view kXmpJpegPrefix{"http://ns.adobe.com/xap/1.0/\0", 29};
constexpr std::string_view kExifJpegPrefix{"Exif\0\0", 6};

std::vector<std::byte> to_bytes(std::string_view text) {
    const auto* p = reinterpret_cast<const std::byte*>(text.data());
    return {p, p + text.size()};
}
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

std::vector<std::byte> png_text_chunk_data(std::string_view keyword, const std::string& text, std::string& type) {
    std::vector<std::byte> data = to_bytes(keyword);
    data.push_back(std::byte{0});
    if (const auto narrow = detail::latin1(text)) {
        type = "tEXt";
        const auto body = to_bytes(*narrow);
        data.insert(data.end(), body.begin(), body.end());
    } else {
        type = "iTXt";  // uncompressed, no language tag, no translated keyword
        for (int i = 0; i < 4; ++i) data.push_back(std::byte{0});
        const auto body = to_bytes(text);
        data.insert(data.end(), body.begin(), body.end());
    }
    return data;
}

// The keyword of a tEXt, zTXt or iTXt chunk, else "".
std::string text_keyword(const detail::PngChunk& chunk) {
    if (chunk.type != "tEXt" && chunk.type != "zTXt" && chunk.type != "iTXt") return {};
    const auto* p = reinterpret_cast<const char*>(chunk.data.data());
    return std::string(p, strnlen(p, std::min<std::size_t>(chunk.data.size(), 80)));
}

std::vector<std::byte> export_png(std::span<const std::byte> image, const Metadata& m) {
    const auto chunks = detail::parse_png(image);
    std::vector<std::pair<std::string, std::string>> texts;  // keyword, text
    if (m.infotext) texts.emplace_back("parameters", *m.infotext);
    if (m.comfy_prompt) texts.emplace_back("prompt", *m.comfy_prompt);
    if (m.comfy_workflow) texts.emplace_back("workflow", *m.comfy_workflow);
    if (m.xmp) texts.emplace_back(kXmpPngKeyword, *m.xmp);

    std::vector<std::vector<std::byte>> storage;  // owns the new chunks' data
    storage.reserve(texts.size());
    std::vector<detail::PngChunk> text_chunks;
    for (const auto& [keyword, text] : texts) {
        detail::PngChunk chunk;
        if (keyword == kXmpPngKeyword) {  // XMP always goes in iTXt
            chunk.type = "iTXt";
            storage.push_back(to_bytes(keyword));
            for (int i = 0; i < 5; ++i) storage.back().push_back(std::byte{0});
            const auto body = to_bytes(text);
            storage.back().insert(storage.back().end(), body.begin(), body.end());
        } else {
            storage.push_back(png_text_chunk_data(keyword, text, chunk.type));
        }
        chunk.data = storage.back();
        text_chunks.push_back(std::move(chunk));
    }
    const auto pieces = detail::artifact_pieces(m.artifact, detail::kPngPieceSize);

    std::vector<detail::PngChunk> out;
    bool texts_placed = false;
    for (const auto& chunk : chunks) {
        if (chunk.type == detail::kPngEmbedType) continue;  // a previous export's artifact
        const std::string keyword = text_keyword(chunk);
        if (!keyword.empty() && std::any_of(texts.begin(), texts.end(), [&](const auto& t) { return t.first == keyword; }))
            continue;  // replaced by ours
        // Text before the image data, where readers that stop at IDAT find it.
        if ((chunk.type == "IDAT" || chunk.type == "IEND") && !texts_placed) {
            out.insert(out.end(), text_chunks.begin(), text_chunks.end());
            texts_placed = true;
        }
        // The artifact after the image data: decoders show the picture first.
        if (chunk.type == "IEND" && !m.artifact.empty())
            for (const auto& piece : pieces) out.push_back({std::string(detail::kPngEmbedType), piece, 0, true});
        out.push_back(chunk);
    }
    return detail::serialize_png(out);
}

// ---- JPEG -----------------------------------------------------------------------

std::vector<std::byte> with_prefix(std::string_view prefix, std::span<const std::byte> body) {
    std::vector<std::byte> data = to_bytes(prefix);
    data.insert(data.end(), body.begin(), body.end());
    return data;
}

std::vector<std::byte> export_jpeg(std::span<const std::byte> image, const Metadata& m) {
    auto file = detail::parse_jpeg(image);
    std::vector<std::byte> exif, xmp;
    if (m.infotext || m.comfy_prompt || m.comfy_workflow) {
        exif = with_prefix(kExifJpegPrefix,
                           detail::encode_exif({m.infotext, m.comfy_workflow ? std::optional("workflow:" + *m.comfy_workflow) : std::nullopt,
                                                m.comfy_prompt ? std::optional("prompt:" + *m.comfy_prompt) : std::nullopt}));
        if (exif.size() > detail::kJpegMaxSegmentData) too_large("EXIF with the parameters", exif.size(), "--no-parameters");
    }
    if (m.xmp) {
        xmp = with_prefix(kXmpJpegPrefix, to_bytes(*m.xmp));
        if (xmp.size() > detail::kJpegMaxSegmentData) too_large("XMP with the prompt", xmp.size(), "--no-xmp");
    }
    const auto pieces = detail::artifact_pieces(m.artifact, detail::kJpegPieceSize,
                                                detail::kJpegEmbedIdentifier);
    const auto is_app = [](std::uint8_t marker) { return marker >= 0xE0 && marker <= 0xEF; };

    std::vector<detail::JpegSegment> kept;
    for (const auto& segment : file.segments) {
        if (segment.marker == 0xE1 && !exif.empty() && starts_with(segment.data, kExifJpegPrefix)) continue;
        if (segment.marker == 0xE1 && !xmp.empty() && starts_with(segment.data, kXmpJpegPrefix)) continue;
        if (segment.marker == detail::kJpegEmbedMarker && starts_with(segment.data, detail::kJpegEmbedIdentifier)) continue;
        kept.push_back(segment);
    }
    std::vector<detail::JpegSegment> out;
    std::size_t i = 0;
    while (i < kept.size() && kept[i].marker == 0xE0) out.push_back(kept[i++]);  // JFIF stays first
    if (!exif.empty()) out.push_back({0xE1, exif, 0});
    if (!xmp.empty()) out.push_back({0xE1, xmp, 0});
    while (i < kept.size() && (is_app(kept[i].marker) || kept[i].marker == 0xFE)) out.push_back(kept[i++]);
    if (!m.artifact.empty())
        for (const auto& piece : pieces) out.push_back({detail::kJpegEmbedMarker, piece, 0});
    out.insert(out.end(), kept.begin() + static_cast<std::ptrdiff_t>(i), kept.end());
    file.segments = std::move(out);
    return detail::serialize_jpeg(file);
}

// ---- WebP -----------------------------------------------------------------------

constexpr std::uint8_t kVp8xAlpha = 0x10, kVp8xExif = 0x08, kVp8xXmp = 0x04;

std::vector<std::byte> export_webp(std::span<const std::byte> image, const Metadata& m) {
    const auto chunks = detail::parse_webp(image);
    std::vector<std::byte> exif, xmp;
    if (m.infotext || m.comfy_prompt || m.comfy_workflow)
        exif = detail::encode_exif({m.infotext, m.comfy_workflow ? std::optional("workflow:" + *m.comfy_workflow) : std::nullopt,
                                    m.comfy_prompt ? std::optional("prompt:" + *m.comfy_prompt) : std::nullopt});
    if (m.xmp) xmp = to_bytes(*m.xmp);
    const auto pieces = detail::artifact_pieces(m.artifact, 0xFFFFFFFEu - detail::kPieceHeaderSize);

    // Metadata needs the extended format: a VP8X header first, whose flags say what follows.
    std::vector<std::byte> vp8x;
    if (chunks.front().fourcc == "VP8X") {
        if (chunks.front().data.size() < 10) throw ImageError("WebP VP8X chunk is shorter than 10 bytes");
        vp8x.assign(chunks.front().data.begin(), chunks.front().data.end());
    } else {
        const auto properties = detail::inspect_image(image);
        std::uint8_t flags = 0;
        const auto& first = chunks.front();
        if (first.fourcc == "VP8L" && first.data.size() >= 5 && (static_cast<std::uint8_t>(first.data[4]) & 0x10u))
            flags |= kVp8xAlpha;  // alpha_is_used, bit 28 of the lossless header
        vp8x.assign(10, std::byte{0});
        vp8x[0] = std::byte{flags};
        for (int i = 0; i < 3; ++i) {
            vp8x[4 + i] = std::byte(((properties.width - 1) >> (8 * i)) & 0xFFu);
            vp8x[7 + i] = std::byte(((properties.height - 1) >> (8 * i)) & 0xFFu);
        }
    }
    auto flags = static_cast<std::uint8_t>(vp8x[0]);
    std::vector<detail::RiffChunk> out;
    out.push_back({"VP8X", vp8x, 0});
    bool has_exif = false, has_xmp = false;
    for (std::size_t i = chunks.front().fourcc == "VP8X" ? 1 : 0; i < chunks.size(); ++i) {
        const auto& chunk = chunks[i];
        if (chunk.fourcc == detail::kWebpEmbedFourcc) continue;
        if (chunk.fourcc == "EXIF" && !exif.empty()) continue;
        if (chunk.fourcc == "XMP " && !xmp.empty()) continue;
        has_exif |= chunk.fourcc == "EXIF";
        has_xmp |= chunk.fourcc == "XMP ";
        out.push_back(chunk);
    }
    // The order the WebP container specification gives: image data, EXIF, XMP, then unknown chunks.
    if (!exif.empty()) out.push_back({"EXIF", exif, 0});
    if (!xmp.empty()) out.push_back({"XMP ", xmp, 0});
    if (!m.artifact.empty())
        for (const auto& piece : pieces) out.push_back({std::string(detail::kWebpEmbedFourcc), piece, 0});
    flags = static_cast<std::uint8_t>((flags & ~(kVp8xExif | kVp8xXmp)) | (has_exif || !exif.empty() ? kVp8xExif : 0) |
                                      (has_xmp || !xmp.empty() ? kVp8xXmp : 0));
    vp8x[0] = std::byte{flags};
    out.front().data = vp8x;
    return detail::serialize_webp(out);
}

struct Exported {
    ImageContainer container;
    std::vector<std::byte> bytes;
};

Bytes artifact_bytes(std::span<const std::byte> artifact, const Limits& limits) {
    return detail::unwrap_embedded_artifact(Bytes(artifact, nullptr), limits);
}

ImageContainer stored_container(const Reader& reader, const Bytes& image) {
    const auto container = detail::sniff_image_container(image.span());
    if (!container) {
        const auto info = reader.image_info();
        throw ImageError("the stored image is not a PNG, JPEG or WebP and cannot be exported",
                         ErrorLocation::at_chunk(info->chunk_index, std::string(kImageType), reader.chunks()[info->chunk_index].offset));
    }
    return *container;
}

}  // namespace

std::string export_format(std::span<const std::byte> artifact, const Limits& limits) {
    const Bytes file = artifact_bytes(artifact, limits);
    const Reader reader = Reader::from_bytes(file, {.limits = limits, .verify_hashes = true});
    switch (stored_container(reader, reader.load_image())) {
    case ImageContainer::png: return "png";
    case ImageContainer::jpeg: return "jpeg";
    case ImageContainer::webp: return "webp";
    }
    return {};
}

std::vector<std::byte> export_image(std::span<const std::byte> artifact, const ExportOptions& options) {
    const Bytes file = artifact_bytes(artifact, options.limits);
    if (options.embed) check_bytes(file.span(), options.limits).throw_if_failed();  // never embed a damaged artifact
    const Reader reader = Reader::from_bytes(file, {.limits = options.limits, .verify_hashes = true});
    const Bytes image = reader.load_image();
    const ImageContainer container = stored_container(reader, image);
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
        switch (container) {
        case ImageContainer::png: out = export_png(image.span(), m); break;
        case ImageContainer::jpeg: out = export_jpeg(image.span(), m); break;
        case ImageContainer::webp: out = export_webp(image.span(), m); break;
        }
    } catch (const detail::ContainerError& e) {
        const auto info = reader.image_info();
        throw ImageError(std::string("the stored image cannot be exported: ") + e.what(),
                         ErrorLocation::at_chunk(info->chunk_index, std::string(kImageType), reader.chunks()[info->chunk_index].offset));
    }
    // What we produce must read back: a strict structural check, and the artifact bit for bit.
    try {
        (void)detail::inspect_image(out);
    } catch (const detail::ImageCheckError& e) {
        throw ImageError(std::string("exported image fails its own check: ") + e.what());
    }
    if (options.embed) {
        const Bytes back = detail::unwrap_embedded_artifact(Bytes(std::span<const std::byte>(out), nullptr), options.limits);
        if (back.size() != file.size() || std::memcmp(back.data(), file.data(), file.size()) != 0)
            throw ImageError("exported image does not give back the artifact it embeds");
    }
    return out;
}

void export_image_file(const std::filesystem::path& artifact, const std::filesystem::path& out,
                       const ExportOptions& options) {
    const auto mapping = detail::MappedFile::open(artifact);
    std::string extension = out.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string wanted = export_format(mapping->bytes(), options.limits);
    const std::string named = extension == ".png" ? "png" : extension == ".jpg" || extension == ".jpeg" ? "jpeg"
                            : extension == ".webp" ? "webp" : "";
    if (named != wanted)
        throw InvalidArgument(out.string() + ": the artifact's image is " + wanted + ", so the output must end in " +
                              (wanted == "png" ? ".png" : wanted == "jpeg" ? ".jpg or .jpeg" : ".webp") +
                              " (export does not re-encode pixels)");
    const auto bytes = export_image(mapping->bytes(), options);
    detail::write_file_atomically(out, bytes);
}

}  // namespace raiiaf
