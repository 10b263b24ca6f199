// raiiaf export ART -o OUT.png|.jpg|.webp [--embed] [--no-xmp] [--no-parameters] [--force] [--json]:
// the artifact's image as an ordinary image file with its prompt and settings
// where A1111, ComfyUI and exiftool look, optionally carrying the whole
// artifact (docs/FORMAT.md section 11).
#include <iostream>
#include <memory>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct ExportCliOptions {
    std::string input;
    std::string output;
    bool embed = false;
    bool no_xmp = false;
    bool no_parameters = false;
    bool force = false;
    bool json = false;
};

int run_export(const ExportCliOptions& o) {
    check_output(o.output, o.force);
    raiiaf::ExportOptions options;
    options.embed = o.embed;
    options.xmp = !o.no_xmp;
    options.parameters = !o.no_parameters;
    about_file(o.input, [&] {
        try {
            raiiaf::export_image_file(o.input, o.output, options);
        } catch (const raiiaf::InvalidArgument& e) {  // the output's name or size, not the input
            failure(o.output, message_about(o.output, e));
        }
    });
    std::uintmax_t size = 0;
    about_file(o.output, [&] { size = fs::file_size(o.output); });
    if (o.json) {
        print_json({{"file", o.output},
                    {"input", o.input},
                    {"embedded", o.embed},
                    {"xmp", options.xmp},
                    {"parameters", options.parameters},
                    {"file_size", size}});
        return kOk;
    }
    std::cout << "exported " << printable(o.input) << " -> " << printable(o.output) << " (" << size << " bytes"
              << (o.embed ? ", artifact embedded" : "") << ")\n";
    return kOk;
}

}  // namespace

Command add_export(CLI::App& parent) {
    auto o = std::make_shared<ExportCliOptions>();
    CLI::App* app = parent.add_subcommand(
        "export", "Write the image as a plain PNG/JPEG/WebP with its metadata (--embed: and the artifact)");
    app->add_option("ART", o->input, "The artifact (or an image carrying one)")->required();
    app->add_option("-o,--output", o->output, "The image to write: .png, .jpg/.jpeg or .webp, the stored image's format")
        ->required();
    app->add_flag("--embed", o->embed, "Carry the whole artifact inside the image (raiiaf reads it back)");
    app->add_flag("--no-xmp", o->no_xmp, "Leave out the XMP packet (IPTC AI properties)");
    app->add_flag("--no-parameters", o->no_parameters, "Leave out A1111 parameters and ComfyUI prompt/workflow");
    app->add_flag("-f,--force", o->force, "Overwrite OUT if it exists");
    app->add_flag("--json", o->json, "Describe the written file as JSON");
    return {app, [o] { return run_export(*o); }};
}

}  // namespace raiiaf_cli
