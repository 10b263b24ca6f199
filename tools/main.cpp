// raiiaf: the command-line tool. Each command lives in its own cmd_*.cpp and
// uses only the library's public API; this file parses and dispatches.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli_util.hpp"

namespace {

// "create" for "raiiaf create --bad", "env diff" for "raiiaf env diff --bad".
std::string chosen_command(const CLI::App& app) {
    std::string name;
    for (const CLI::App* node = &app;;) {
        const auto chosen = node->get_subcommands();
        if (chosen.empty()) return name;
        node = chosen.front();
        name += (name.empty() ? "" : " ") + node->get_name();
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace raiiaf_cli;
    CLI::App app{"Single-file containers for diffusion-model artifacts: image, latents, metadata, environment.",
                 "raiiaf"};
    const std::string version = "raiiaf " + std::string(raiiaf::library_version());
    app.set_version_flag("--version", version);
    app.require_subcommand(1);
    app.footer("Exit status: 0 ok, 1 invalid or corrupt input or a failed operation, 2 usage error.\n"
               "Run 'raiiaf COMMAND --help' for a command's options; docs/CLI.md has the details.");

    const std::vector<Command> commands = {add_create(app), add_info(app),    add_verify(app), add_extract(app),
                                           add_env(app),    add_convert(app), add_edit(app),
                                           add_export(app), add_import(app)};
    // --version works after any command too ("raiiaf env diff --version").
    for (const auto& command : commands) {
        command.app->set_version_flag("--version", version);
        for (CLI::App* sub : command.app->get_subcommands({})) sub->set_version_flag("--version", version);
    }
    // CLI11 would only say "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-' &&
        std::none_of(commands.begin(), commands.end(), [&](const Command& c) { return c.app->check_name(argv[1]); })) {
        print_error("", "unknown command \"" + std::string(argv[1]) + "\"");
        std::cerr << "Run 'raiiaf --help' for usage.\n";
        return kUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        const std::string command = chosen_command(app);
        print_error("", e.what());
        std::cerr << "Run 'raiiaf " << (command.empty() ? "" : command + " ") << "--help' for usage.\n";
        return kUsage;
    }

    for (const auto& command : commands) {
        if (!command.app->parsed()) continue;
        try {
            return command.run();
        } catch (const CliError& e) {
            print_error(e.subject(), e.what());
            return e.code();
        } catch (const std::exception& e) {
            print_error("", message_about({}, e));
            return kFailure;
        }
    }
    return kUsage;  // unreachable: a subcommand is required
}
