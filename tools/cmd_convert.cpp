// raiiaf convert IN OUT [--format raiiaf|gen5] [--compress CODEC] [--float16] [--force]:
// re-encodes the latents and the image; metadata, the environment record and
// unknown chunks are kept. The input is verified first, and what the check
// decoded is what is re-encoded. OUT's layout: --format, else its extension
// (.raiiaf, .gen5), else IN's.
#include <cctype>
#include <iostream>
#include <memory>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

std::optional<raiiaf::Layout> layout_of_extension(const std::string& path) {
    std::string extension = fs::path(path).extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (extension == ".raiiaf") return raiiaf::Layout::raiiaf;
    if (extension == ".gen5") return raiiaf::Layout::gen5;
    return std::nullopt;
}

struct ConvertOptions {
    std::string input;
    std::string output;
    std::string format;
    std::string compress;
    bool float16 = false;
    bool force = false;
    bool json = false;
    bool compat = false;
};

int run_convert(const ConvertOptions& o) {
    std::optional<raiiaf::Codec> codec;
    if (!o.compress.empty()) codec = parse_codec(o.compress);
    std::optional<raiiaf::Layout> layout;
    if (!o.format.empty()) layout = parse_layout(o.format);
    else layout = layout_of_extension(o.output);
    if (layout) check_codec_for_layout(codec, *layout);
    check_output(o.output, o.force);

    std::optional<raiiaf::Reader> reader;
    raiiaf::ArtifactContent content;
    raiiaf::WriteOptions options;
    options.durable = durable_writes();
    // The whole file is verified once, on the one parse of its manifest, and
    // each payload verify decodes and checks is kept for re-encoding: none is
    // decoded or hashed twice. They are copies (copy_payloads), so what is
    // re-encoded is what was hashed.
    std::vector<raiiaf::Bytes> payloads;  // by chunk index: the latents' and the image's
    std::optional<raiiaf::Environment> chunk_environment;  // that of the first ENVC chunk
    std::optional<raiiaf::ImageInfo> image;
    raiiaf::CheckReport report;
    about_file(o.input, [&] {
        reader.emplace(raiiaf::Reader::open(o.input, {.copy_payloads = true}));
        image = reader->image_info();
        payloads.resize(reader->chunks().size());
        report = reader->verify([&](raiiaf::VerifiedPayload&& verified) {
            const std::size_t index = verified.chunk_index;
            if (reader->chunks()[index].type == raiiaf::kLatentType || (image && image->chunk_index == index))
                payloads[index] = std::move(verified.payload);
            if (verified.environment && !chunk_environment) chunk_environment = std::move(verified.environment);
        });
    });
    require_intact(report, o.input);
    about_file(o.input, [&] {
        options.layout = layout.value_or(reader->layout());
        options.float16 = o.float16;
        options.compat = o.compat;
        content.model = reader->model_info();

        // Latents are encoded afresh: with the requested codec, or their own
        // (one the layout lacks becomes its stand-in: zfp becomes zstd in
        // GEN5). Lossy zfp is re-encoded losslessly so that no further error
        // accumulates.
        for (const auto& info : reader->latents()) {
            const raiiaf::Codec target = raiiaf::codec_for_layout(codec.value_or(info.codec), options.layout);
            content.latents.emplace_back(info.name,
                                         raiiaf::Tensor(info.dtype, info.shape, payloads[info.chunk_index]),
                                         target);
        }
        if (image) {
            raiiaf::ImageInput input{payloads[image->chunk_index]};
            input.extra = reader->chunks()[image->chunk_index].extra;
            for (const char* key : {"format", "width", "height"}) input.extra.erase(key);  // the writer recomputes them
            content.image = std::move(input);
        }
        // Chunk types this tool does not know are copied as stored; the
        // environment is handed over decoded for the writer to place.
        for (const auto& record : reader->chunks()) {
            if (record.type == raiiaf::kLatentType || record.type == raiiaf::kEnvType ||
                (image && image->chunk_index == record.index))
                continue;
            content.stored_chunks.push_back({record, reader->stored_bytes(record.index)});
        }
        // The environment of the ENVC chunk verify parsed, else that of a
        // GEN5 manifest. A file from before ENVC existed gets an empty
        // record, not this machine's environment, which did not make its
        // payloads.
        content.environment = chunk_environment ? std::move(*chunk_environment)
                                                : reader->environment().value_or(raiiaf::Environment{});
    });
    raiiaf::WriteResult written;
    try {
        written = raiiaf::write_file(o.output, content, options);
    } catch (const raiiaf::Error& e) {
        failure(o.output, message_about(o.output, e));
    }
    report_written(o.output, written, o.json, "converted " + printable(o.input) + " -> " + printable(o.output),
                   {{"input", o.input}});
    return kOk;
}

}  // namespace

Command add_convert(CLI::App& parent) {
    auto o = std::make_shared<ConvertOptions>();
    CLI::App* app = parent.add_subcommand("convert", "Re-encode an artifact (layout, codec, float16), keeping all metadata");
    app->add_option("IN", o->input, "The artifact to convert (verified first)")->required();
    app->add_option("OUT", o->output, "The file to write")->required();
    add_format_option(*app, o->format, "Layout of OUT (default: from OUT's extension .raiiaf/.gen5, else that of IN)");
    add_codec_option(*app, o->compress, "Latent codec (default: each latent keeps its own)");
    app->add_flag("--float16", o->float16, "Store float latents as float16");
    app->add_flag("--compat", o->compat, "Refuse anything the existing raiiaf/gen5 package cannot read");
    app->add_flag("-f,--force", o->force, "Overwrite OUT if it exists");
    app->add_flag("--json", o->json, "Describe the written file as JSON");
    return {app, [o] { return run_convert(*o); }};
}

}  // namespace raiiaf_cli
