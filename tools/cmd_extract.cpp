// raiiaf extract FILE -o DIR [--safetensors] [--force]: the image under its real
// extension, one .npy per latent (or latents.safetensors), metadata.json (the
// manifest) and env.json (the ENVC payload as stored).
#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <set>

#include <raiiaf/tensor_io.hpp>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct ExtractOptions {
    std::string file;
    std::string directory;
    bool safetensors = false;
    bool force = false;
    bool json = false;
};

// One file to write: its name in DIR and how to make its bytes.
struct Output {
    std::string name;
    std::function<std::vector<std::byte>()> bytes;
};

std::vector<std::byte> copy(const raiiaf::Bytes& bytes) { return {bytes.span().begin(), bytes.span().end()}; }
std::vector<std::byte> copy(std::string_view text) {
    const auto view = std::as_bytes(std::span(text.data(), text.size()));
    return {view.begin(), view.end()};
}

// From the recorded format, else from the bytes (the existing package records none).
std::string image_extension(const std::string& recorded_format, std::span<const std::byte> bytes) {
    const std::string_view format = recorded_format.empty() ? raiiaf::detect_image_format(bytes) : recorded_format;
    if (format == "png") return ".png";
    if (format == "jpeg") return ".jpg";
    if (format == "webp") return ".webp";
    return ".bin";
}

// A latent's name as a file name in DIR: no path separators, no control
// characters, never "." or "..", at most 200 bytes (cut at a UTF-8 boundary).
std::string safe_stem(const std::string& name) {
    std::string stem;
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        stem += (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7F) ? '_' : c;
    }
    if (stem.size() > 200) {
        std::size_t cut = 200;
        while (cut > 0 && (static_cast<unsigned char>(stem[cut]) & 0xC0) == 0x80) --cut;
        stem.resize(cut);
    }
    if (stem.empty() || stem == "." || stem == "..") stem = "latent" + stem;
    return stem;
}

std::vector<Output> plan(const raiiaf::Reader& reader, const ExtractOptions& o) {
    std::vector<Output> outputs;
    std::set<std::string> taken;
    const auto add = [&](std::string name, std::function<std::vector<std::byte>()> bytes) {
        taken.insert(name);
        outputs.push_back({std::move(name), std::move(bytes)});
    };

    if (const auto image = reader.image_info()) {
        raiiaf::Bytes bytes = reader.load_image();
        add("image" + image_extension(image->format, bytes.span()), [bytes] { return copy(bytes); });
    }

    const auto& latents = reader.latents();
    if (o.safetensors && !latents.empty()) {
        add("latents.safetensors", [&reader] {
            std::vector<raiiaf::NamedTensor> tensors;
            for (std::size_t i = 0; i < reader.latents().size(); ++i)
                tensors.push_back({reader.latents()[i].name, reader.load_latent(i)});
            return raiiaf::encode_safetensors(tensors);
        });
    } else {
        for (std::size_t i = 0; i < latents.size(); ++i) {
            if (latents[i].dtype == raiiaf::DType::bfloat16)
                failure(o.file, "latent \"" + latents[i].name + "\" is bfloat16, which .npy cannot hold (use --safetensors)");
            // A name taken by an earlier latent (after the renaming of unsafe
            // characters) gets the chunk index, then a counter, until it is free.
            const std::string stem = safe_stem(latents[i].name);
            std::string name = stem + ".npy";
            for (std::size_t attempt = 1; taken.contains(name); ++attempt)
                name = stem + "_" + std::to_string(latents[i].chunk_index) +
                       (attempt == 1 ? "" : "_" + std::to_string(attempt)) + ".npy";
            add(name, [&reader, i] { return raiiaf::encode_npy(reader.load_latent(i)); });
        }
    }

    add("metadata.json", [&reader] { return copy(reader.manifest().dump(2, ' ', false, Json::error_handler_t::replace)); });
    for (const auto& record : reader.chunks()) {
        if (record.type != raiiaf::kEnvType) continue;
        const std::size_t index = record.index;
        add("env.json", [&reader, index] {
            const raiiaf::Bytes payload = reader.load_payload(index);
            (void)raiiaf::parse_environment(payload.span());  // a corrupt record is an error, not a file
            return copy(payload);
        });
        break;
    }
    return outputs;
}

int run_extract(const ExtractOptions& o) {
    const fs::path directory = o.directory;
    std::optional<raiiaf::Reader> reader;
    std::vector<Output> outputs;
    about_file(o.file, [&] {
        // Copies, hash-checked as copied: what is written is what was verified,
        // even if another program rewrites the file in place meanwhile.
        reader.emplace(raiiaf::Reader::open(o.file, {.copy_payloads = true}));
        outputs = plan(*reader, o);
    });

    std::error_code error;
    if (fs::exists(directory, error) && !fs::is_directory(directory, error)) failure(directory, "not a directory");
    for (const auto& output : outputs) check_output(directory / output.name, o.force);

    // Everything is read (and hash-checked) before the first file is written,
    // so a damaged artifact leaves nothing half extracted.
    std::vector<std::vector<std::byte>> contents;
    about_file(o.file, [&] {
        for (const auto& output : outputs) contents.push_back(output.bytes());
    });
    const bool directory_existed = fs::exists(directory, error);
    fs::create_directories(directory, error);
    if (error) failure(directory, error.message());
    Table table({"file", "bytes"}, {false, true});
    Json written = Json::array();
    // All or nothing: when one file cannot be written (a full disk), the files
    // this run created are removed again (files it replaced stay replaced).
    std::vector<fs::path> created;
    try {
        for (std::size_t i = 0; i < outputs.size(); ++i) {
            const fs::path path = directory / outputs[i].name;
            const bool existed = fs::exists(fs::symlink_status(path, error));
            write_output_file(path, contents[i]);
            if (!existed) created.push_back(path);
            table.add({printable(path.string()), std::to_string(contents[i].size())});
            written.push_back({{"path", path.string()}, {"bytes", contents[i].size()}});
        }
    } catch (...) {
        for (const auto& path : created) fs::remove(path, error);
        if (!directory_existed) fs::remove(directory, error);  // only if empty
        throw;
    }
    if (o.json)
        print_json({{"file", o.file}, {"directory", o.directory}, {"written", written}});
    else
        table.print(std::cout);
    return kOk;
}

}  // namespace

Command add_extract(CLI::App& parent) {
    auto o = std::make_shared<ExtractOptions>();
    CLI::App* app = parent.add_subcommand("extract", "Write an artifact's image, latents, metadata and environment to files");
    app->add_option("FILE", o->file, "The artifact")->required();
    app->add_option("-o,--output", o->directory, "Directory to write into (created if missing)")
        ->required()
        ->type_name("DIR");
    app->add_flag("--safetensors", o->safetensors, "All latents in one latents.safetensors instead of .npy files");
    app->add_flag("-f,--force", o->force, "Overwrite files that exist in DIR");
    app->add_flag("--json", o->json, "List the written files as JSON");
    return {app, [o] { return run_extract(*o); }};
}

}  // namespace raiiaf_cli
