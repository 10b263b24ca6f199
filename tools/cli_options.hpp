// Options whose values are names the library knows (codecs, layouts), and
// the checks of their combinations.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <raiiaf/raiiaf.hpp>

namespace raiiaf_cli {

// --compress CODEC and --format raiiaf|gen5, checked against the names the library knows.
CLI::Option* add_codec_option(CLI::App& app, std::string& value, const std::string& description);
CLI::Option* add_format_option(CLI::App& app, std::string& value, const std::string& description);
raiiaf::Codec parse_codec(const std::string& name);  // validated by CLI11 beforehand
raiiaf::Layout parse_layout(const std::string& name);
// Refuses combinations the layout cannot hold (usage error).
void check_codec_for_layout(std::optional<raiiaf::Codec> codec, raiiaf::Layout layout);

}  // namespace raiiaf_cli
