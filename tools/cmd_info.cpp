// raiiaf info FILE... [--json]: header, model info, chunks and environment,
// from the header and manifest (and the small ENVC chunk); no payload is read.
#include <iostream>
#include <map>
#include <memory>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct InfoOptions {
    std::vector<std::string> files;
    bool json = false;
};

// What info shows of one file, gathered once for both outputs.
struct FileInfo {
    std::string file;
    raiiaf::Header header;
    std::uint64_t file_size = 0;
    raiiaf::ModelInfo model;
    std::vector<raiiaf::ChunkRecord> chunks;
    std::map<std::size_t, raiiaf::LatentInfo> latents;  // by chunk index
    std::optional<raiiaf::ImageInfo> image;
    std::optional<raiiaf::Environment> environment;
    std::string environment_error;  // a corrupt ENVC: reported, the rest still shown
};

FileInfo gather(const std::string& file) {
    FileInfo info;
    info.file = file;
    about_file(file, [&] {
        const auto reader = raiiaf::Reader::open(file);
        info.header = reader.header();
        info.file_size = reader.file_size();
        info.model = reader.model_info();
        info.chunks = reader.chunks();
        for (const auto& latent : reader.latents()) info.latents.emplace(latent.chunk_index, latent);
        info.image = reader.image_info();
        try {
            info.environment = reader.environment();
        } catch (const raiiaf::Error& e) {
            info.environment_error = message_about(file, e);
        }
    });
    return info;
}

std::string chunk_name(const FileInfo& info, const raiiaf::ChunkRecord& record) {
    if (const auto it = info.latents.find(record.index); it != info.latents.end()) return it->second.name;
    if (info.image && info.image->chunk_index == record.index) return "image";
    if (record.type == raiiaf::kEnvType) return "environment";
    return "";
}

std::string codec_text(const raiiaf::LatentInfo& latent) {
    std::string text(raiiaf::codec_name(latent.codec));
    if (latent.zfp_tolerance) text += " (tolerance " + Json(*latent.zfp_tolerance).dump() + ")";
    return text;
}

// Chunks other than latents: zstd envelope or raw.
std::string_view plain_codec(const FileInfo& info, const raiiaf::ChunkRecord& record) {
    return raiiaf::codec_name(raiiaf::chunk_codec(record, info.header.layout));
}

// ---- JSON ---------------------------------------------------------------------------

Json model_json(const raiiaf::ModelInfo& model) {
    Json out = Json::object();
    out["model_name"] = model.model_name;
    out["version"] = model.version;
    out["date"] = model.date;
    out["prompt"] = model.prompt;
    out["tags"] = model.tags;
    out["generation_settings"] = model.generation_settings.value_or(Json());
    out["hardware_info"] = model.hardware_info.value_or(Json());
    out["extra"] = model.extra;
    return out;
}

Json environment_json(const raiiaf::Environment& env) {
    Json components = Json::array();
    for (const auto& c : env.components) components.push_back({{"id", c.id}, {"canonical", c.canonical}});
    return {{"env_version", env.env_version}, {"components", components}};
}

Json info_json(const FileInfo& info) {
    const auto& h = info.header;
    Json header = {{"magic", raiiaf::layout_magic(h.layout)},
                   {"version_major", h.version_major},
                   {"version_minor", h.version_minor},
                   {"flags", h.flags},
                   {"chunk_table_offset", h.chunk_table_offset},
                   {"chunk_table_size", h.chunk_table_size},
                   {"chunk_count", h.chunk_count},
                   {"file_size", h.file_size}};
    Json chunks = Json::array();
    for (const auto& record : info.chunks) {
        Json chunk = {{"index", record.index},     {"type", record.type},  {"flags", record.flags},
                      {"name", nullptr},           {"dtype", nullptr},     {"shape", nullptr},
                      {"codec", plain_codec(info, record)}, {"zfp_tolerance", nullptr},
                      {"offset", record.offset},   {"stored_size", record.compressed_size},
                      {"raw_size", record.uncompressed_size}, {"hash", record.hash}};
        if (const auto name = chunk_name(info, record); !name.empty()) chunk["name"] = name;
        if (const auto it = info.latents.find(record.index); it != info.latents.end()) {
            const auto& latent = it->second;
            chunk["dtype"] = raiiaf::dtype_name(latent.dtype);
            chunk["shape"] = latent.shape;
            chunk["codec"] = raiiaf::codec_name(latent.codec);
            if (latent.zfp_tolerance) chunk["zfp_tolerance"] = *latent.zfp_tolerance;
            chunk["stored_size"] = latent.stored_size;
            chunk["raw_size"] = latent.raw_size;
        }
        chunks.push_back(std::move(chunk));
    }
    Json image = nullptr;
    if (info.image) {
        image = {{"chunk", info.image->chunk_index},
                 {"format", info.image->format.empty() ? Json() : Json(info.image->format)},
                 {"width", info.image->width ? Json(*info.image->width) : Json()},
                 {"height", info.image->height ? Json(*info.image->height) : Json()},
                 {"size", info.image->size}};
    }
    return {{"file", info.file},
            {"layout", raiiaf::layout_name(h.layout)},
            {"version", std::to_string(h.version_major) + "." + std::to_string(h.version_minor)},
            {"file_size", info.file_size},
            {"header", header},
            {"model_info", model_json(info.model)},
            {"image", image},
            {"chunks", chunks},
            {"environment", info.environment ? environment_json(*info.environment) : Json()},
            {"environment_error", info.environment_error.empty() ? Json() : Json(info.environment_error)}};
}

// ---- text ---------------------------------------------------------------------------

void print_text(const FileInfo& info) {
    const auto& h = info.header;
    const auto& m = info.model;
    Table fields({"file", printable(info.file)});
    fields.add({"format", std::string(raiiaf::layout_name(h.layout)) + " " + std::to_string(h.version_major) + "." +
                              std::to_string(h.version_minor) + ", " + std::to_string(info.file_size) + " bytes, " +
                              std::to_string(info.chunks.size()) + " chunks"});
    fields.add({"model", printable(m.model_name) + " " + printable(m.version)});
    fields.add({"date", printable(m.date)});
    fields.add({"prompt", printable(m.prompt)});
    std::string tags;
    for (const auto& tag : m.tags) tags += (tags.empty() ? "" : ", ") + printable(tag);
    fields.add({"tags", tags.empty() ? "-" : tags});
    fields.add({"settings", m.generation_settings ? display_object(*m.generation_settings) : "-"});
    fields.add({"hardware", m.hardware_info ? display_object(*m.hardware_info) : "-"});
    if (!m.extra.empty()) fields.add({"other", display_object(m.extra)});
    if (info.image) {
        std::string image = info.image->format.empty() ? "format not recorded" : info.image->format;
        if (info.image->width && info.image->height)
            image += " " + std::to_string(*info.image->width) + "x" + std::to_string(*info.image->height);
        fields.add({"image", image + ", " + std::to_string(info.image->size) + " bytes"});
    } else {
        fields.add({"image", "-"});
    }
    if (!info.environment_error.empty())
        fields.add({"environment", "unreadable"});
    else if (!info.environment)
        fields.add({"environment", "not recorded"});
    else
        fields.add({"environment", std::to_string(info.environment->components.size()) + " components"});
    fields.print(std::cout);

    if (info.environment && !info.environment->components.empty()) {
        Table env({"component", "value"});
        for (const auto& c : info.environment->components) env.add({printable(c.id), printable(c.canonical)});
        env.print(std::cout, "  ");
    }

    std::cout << "chunks\n";
    Table chunks({"#", "type", "name", "dtype", "shape", "codec", "stored", "raw"},
                 {true, false, false, false, false, false, true, true});
    for (const auto& record : info.chunks) {
        std::vector<std::string> row{std::to_string(record.index), printable(record.type), printable(chunk_name(info, record))};
        if (const auto it = info.latents.find(record.index); it != info.latents.end()) {
            const auto& latent = it->second;
            row.insert(row.end(), {std::string(raiiaf::dtype_name(latent.dtype)), format_shape(latent.shape),
                                   codec_text(latent), std::to_string(latent.stored_size),
                                   std::to_string(latent.raw_size)});
        } else {
            row.insert(row.end(), {"-", "-", std::string(plain_codec(info, record)), std::to_string(record.compressed_size),
                                   std::to_string(record.uncompressed_size)});
        }
        if (row[2].empty()) row[2] = "-";
        chunks.add(std::move(row));
    }
    chunks.print(std::cout, "  ");
}

int run_info(const InfoOptions& o) {
    int status = kOk;
    bool printed = false;  // a blank line between files in the text output
    Json all = Json::array();
    Progress progress(o.files.size());
    for (std::size_t i = 0; i < o.files.size(); ++i) {
        const auto& file = o.files[i];
        progress.show(i, file);
        try {
            const FileInfo info = gather(file);
            progress.clear();
            if (!info.environment_error.empty()) {
                print_error(file, info.environment_error);
                status = kFailure;
            }
            if (o.json) {
                all.push_back(info_json(info));
            } else {
                if (printed) std::cout << '\n';
                print_text(info);
                printed = true;
            }
        } catch (const std::exception& e) {
            progress.clear();
            report(file, e);
            if (o.json) all.push_back({{"file", file}, {"error", message_about(file, e)}});
            status = kFailure;
        }
    }
    progress.clear();
    if (o.json) print_json(all);
    return status;
}

}  // namespace

Command add_info(CLI::App& parent) {
    auto o = std::make_shared<InfoOptions>();
    CLI::App* app = parent.add_subcommand("info", "Describe artifacts without reading their payloads");
    app->add_option("FILE", o->files, "Artifacts (.raiiaf or .gen5)")->required();
    app->add_flag("--json", o->json, "A JSON array, one object per file");
    return {app, [o] { return run_info(*o); }};
}

}  // namespace raiiaf_cli
