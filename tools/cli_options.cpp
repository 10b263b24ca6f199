#include "cli_options.hpp"

#include <vector>

#include "cli_errors.hpp"

namespace raiiaf_cli {

namespace {

CLI::Option* add_choice(CLI::App& app, const std::string& name, std::string& value, const std::string& description,
                        const std::vector<std::string>& choices) {
    std::string list;
    for (const auto& choice : choices) list += (list.empty() ? "" : "|") + choice;
    // The choices go in the type name; IsMember would repeat them as "{...}".
    return app.add_option(name, value, description)->check(CLI::IsMember(choices).description(""))->type_name(list);
}

}  // namespace

CLI::Option* add_codec_option(CLI::App& app, std::string& value, const std::string& description) {
    std::vector<std::string> names;
    for (const auto& codec : raiiaf::codec_table()) names.emplace_back(codec.name);
    return add_choice(app, "--compress", value, description, names);
}

CLI::Option* add_format_option(CLI::App& app, std::string& value, const std::string& description) {
    std::vector<std::string> names;
    for (auto layout : {raiiaf::Layout::raiiaf, raiiaf::Layout::gen5}) names.emplace_back(raiiaf::layout_name(layout));
    return add_choice(app, "--format", value, description, names);
}

raiiaf::Codec parse_codec(const std::string& name) {
    const auto codec = raiiaf::codec_from_name(name);
    if (!codec) usage_error("--compress", "unknown codec \"" + name + "\"");
    return *codec;
}

raiiaf::Layout parse_layout(const std::string& name) {
    const auto layout = raiiaf::layout_from_name(name);
    if (!layout) usage_error("--format", "unknown format \"" + name + "\"");
    return *layout;
}

void check_codec_for_layout(std::optional<raiiaf::Codec> codec, raiiaf::Layout layout) {
    if (!codec) return;
    if (const auto refusal = raiiaf::codec_refusal(*codec, layout)) usage_error("--compress", *refusal);
}

}  // namespace raiiaf_cli
