#include "catalog/sources.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "format/date.hpp"
#include "format/manifest.hpp"
#include "format/sha256.hpp"
#include "io/mapped_file.hpp"
#include "raiiaf/import.hpp"
#include "raiiaf/reader.hpp"

RAIIAF_NAMESPACE_BEGIN
namespace catalog {
namespace {

std::string lowercase_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

const Json* setting(const Json& settings, std::initializer_list<std::string_view> names) {
    if (!settings.is_object()) return nullptr;
    for (const auto name : names) {
        const auto found = settings.find(name);
        if (found != settings.end() && !found->is_null()) return &*found;
    }
    return nullptr;
}

std::optional<std::int64_t> integer_setting(const Json& settings, std::initializer_list<std::string_view> names) {
    const Json* value = setting(settings, names);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) {
        const auto v = value->get<std::uint64_t>();
        if (v <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v);
        return std::nullopt;
    }
    if (value->is_number_integer()) return value->get<std::int64_t>();
    return std::nullopt;
}

std::string text_setting(const Json& settings, std::initializer_list<std::string_view> names) {
    const Json* value = setting(settings, names);
    return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// Seeds are exact unsigned 64-bit integers; also accepted as a decimal string.
std::optional<std::uint64_t> seed_setting(const Json& settings) {
    const Json* value = setting(settings, {"seed"});
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) return value->get<std::uint64_t>();
    if (value->is_number_integer()) {
        const auto v = value->get<std::int64_t>();
        return v >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(v)) : std::nullopt;
    }
    if (value->is_string()) {
        const auto& text = value->get_ref<const std::string&>();
        std::uint64_t out = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return out;
    }
    return std::nullopt;
}

std::string shape_text(const Shape& shape) {
    if (shape.empty()) return "scalar";
    std::string out;
    for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "x" : "") + std::to_string(shape[i]);
    return out;
}

bool is_noise_name(std::string_view name) {
    return name == "initial_noise" || name == "noise" || name == "init_noise";
}

// The model_info part of an entry; imported artifacts keep their settings
// where raiiaf::imported_settings says, and name their generator.
void fill_from_model(const ModelInfo& model, CatalogEntry& e) {
    e.model = model.model_name;
    e.model_version = model.version;
    e.prompt = model.prompt;
    e.tags = model.tags;
    e.date = model.date;
    if (const Json* imported = imported_settings(model)) {
        e.settings = *imported;
        e.settings.erase("imported_metadata");  // the original texts: large, and in the file
        e.generator = text_setting(e.settings, {"generator"});
    } else {
        e.settings = model.generation_settings.value_or(Json::object());
    }
    const Json& s = e.settings;
    e.negative_prompt = text_setting(s, {"negative_prompt", "negative"});
    if (e.negative_prompt.empty()) e.negative_prompt = text_setting(model.extra, {"negative_prompt"});
    e.seed = seed_setting(s);
    e.steps = integer_setting(s, {"steps", "num_inference_steps"});
    e.sampler = text_setting(s, {"sampler", "sampler_name"});
    e.scheduler = text_setting(s, {"scheduler"});
    if (const Json* cfg = setting(s, {"cfg", "cfg_scale", "guidance_scale"}); cfg && cfg->is_number())
        e.cfg = cfg->get<double>();
    e.width = integer_setting(s, {"width"});
    e.height = integer_setting(s, {"height"});
}

// Everything but the payloads. The ENVC chunk is the one payload decoded (it
// is small and holds what env.* queries ask about), and only when the
// catalogue does not hold that environment already.
void fill_from_reader(const Reader& reader, IndexedFile& file) {
    CatalogEntry& e = file.entry;
    const Header& header = reader.header();
    e.layout = std::string(layout_name(header.layout));
    e.version = std::to_string(header.version_major) + "." + std::to_string(header.version_minor);
    e.manifest_digest = detail::sha256_hex(reader.manifest().dump());
    fill_from_model(reader.model_info(), e);

    const auto& chunks = reader.chunks();
    if (const auto image = reader.image_info()) {
        e.image_format = image->format;
        e.image_digest = chunks.at(image->chunk_index).hash;
        if (!e.width && image->width) e.width = *image->width;
        if (!e.height && image->height) e.height = *image->height;
    }
    for (const LatentInfo& latent : reader.latents()) {
        e.latents.push_back({latent.name, std::string(dtype_name(latent.dtype)), shape_text(latent.shape),
                             std::string(codec_name(latent.codec)), chunks.at(latent.chunk_index).hash});
        if (is_noise_name(latent.name) && e.noise_digest.empty()) e.noise_digest = e.latents.back().digest;
    }
    if (e.noise_digest.empty() && !e.latents.empty()) e.noise_digest = e.latents.front().digest;

    // The environment is the ENVC chunk plus the components the manifest keeps
    // (docs/FORMAT.md section 8.8): its key names both.
    std::string key;
    for (const ChunkRecord& chunk : chunks)
        if (chunk.type == kEnvType) {
            key = chunk.hash;
            break;
        }
    const Json& body = reader.manifest()[std::string(metadata_key(header.layout))];
    if (const auto kept = body.find(std::string(detail::kManifestEnvironmentKey)); kept != body.end())
        key += "+" + detail::sha256_hex(kept->dump());
    if (key.empty()) return;
    file.environment_digest = key;
    if (file.known_environments != nullptr && file.known_environments->contains(key)) return;
    if (auto env = reader.environment()) file.environment = std::move(*env);
    file.environment_decoded = true;
    for (const auto& c : file.environment.components) e.environment.emplace_back(c.id, c.canonical);
}

// .raiiaf and .gen5 files, opened manifest-only.
bool accepts_artifact(const std::filesystem::path& path) {
    const std::string ext = lowercase_extension(path);
    return ext == ".raiiaf" || ext == ".gen5";
}

bool read_artifact(const std::filesystem::path& path, IndexedFile& file) {
    fill_from_reader(Reader::open(path), file);
    return true;
}

// "2026-11-02T10:00:00.000000+00:00" for a file's modification time.
std::string modification_date(const std::filesystem::path& path) {
    const auto written = std::chrono::file_clock::to_sys(std::filesystem::last_write_time(path));
    return detail::iso8601_utc(std::chrono::time_point_cast<std::chrono::system_clock::duration>(written));
}

// PNG, JPEG and WebP images: an exported image carrying a whole artifact
// (source "embedded", read as an artifact), else a generator's image read
// through the importer (source "imported": model, prompt and settings as
// `raiiaf import` would record them, the file's mtime as the date), else
// nothing the catalogue holds.
bool accepts_image(const std::filesystem::path& path) {
    const std::string ext = lowercase_extension(path);
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp";
}

bool read_image(const std::filesystem::path& path, IndexedFile& file) {
    try {
        fill_from_reader(Reader::open(path), file);
        file.entry.source = "embedded";
        return true;
    } catch (const NoEmbeddedArtifact&) {
    }
    const Limits limits;
    const auto mapped = detail::MappedFile::open(path);
    if (mapped->bytes().size() > limits.max_file_size)
        throw ImageError("image of " + std::to_string(mapped->bytes().size()) + " bytes exceeds the limit of " +
                         std::to_string(limits.max_file_size));
    const GenerationMetadata metadata = read_generation_metadata(mapped->bytes());
    if (!metadata.recognised()) return false;
    CatalogEntry& e = file.entry;
    e.source = "imported";
    fill_from_model(imported_model_info(metadata), e);
    e.date = modification_date(path);
    e.image_format = metadata.image_format;
    e.image_digest = detail::sha256_hex(mapped->bytes());
    e.manifest_digest = detail::sha256_hex(metadata.record.dump());
    mapped->throw_if_faulted();  // nothing indexed from the zeros of a file that shrank meanwhile
    return true;
}

constexpr Source kSources[] = {
    {"artifact", accepts_artifact, read_artifact},
    {"image", accepts_image, read_image},
};

}  // namespace

std::span<const Source> sources() { return kSources; }

const Source* source_for(const std::filesystem::path& path) {
    for (const Source& source : kSources)
        if (source.accepts(path)) return &source;
    return nullptr;
}

}  // namespace catalog
RAIIAF_NAMESPACE_END
