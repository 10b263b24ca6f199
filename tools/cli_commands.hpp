// The CLI's subcommands: each cmd_*.cpp adds one to the parent app.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace raiiaf_cli {

// One subcommand: its CLI11 node and what runs when it was chosen.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

Command add_create(CLI::App& parent);
Command add_info(CLI::App& parent);
Command add_extract(CLI::App& parent);
Command add_verify(CLI::App& parent);
Command add_env(CLI::App& parent);
Command add_convert(CLI::App& parent);
Command add_edit(CLI::App& parent);
Command add_index(CLI::App& parent);
Command add_find(CLI::App& parent);
Command add_export(CLI::App& parent);
Command add_import(CLI::App& parent);

}  // namespace raiiaf_cli
