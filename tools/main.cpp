// raiiaf: the command-line tool. Each command lives in its own cmd_*.cpp and
// uses only the library's public API; this file parses and dispatches.
#include <algorithm>
#include <csignal>
#include <iostream>
#include <string>
#include <string_view>
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

// Every command, in the order --help lists them.
struct CommandEntry {
    std::string_view name;
    raiiaf_cli::Command (*add)(CLI::App&);
};
constexpr CommandEntry kCommands[] = {
    {"create", raiiaf_cli::add_create}, {"info", raiiaf_cli::add_info},     {"verify", raiiaf_cli::add_verify},
    {"extract", raiiaf_cli::add_extract}, {"env", raiiaf_cli::add_env},     {"convert", raiiaf_cli::add_convert},
    {"edit", raiiaf_cli::add_edit},     {"export", raiiaf_cli::add_export}, {"import", raiiaf_cli::add_import},
    {"index", raiiaf_cli::add_index},   {"find", raiiaf_cli::add_find}};

// Start-up (docs/PERFORMANCE.md, "CLI start-up"): when the first argument
// names a command only that one is built, since building every command's
// options costs more than `raiiaf info` itself; --help and usage errors see all.
std::vector<raiiaf_cli::Command> add_commands(CLI::App& app, int argc, char** argv) {
    std::vector<raiiaf_cli::Command> commands;
    for (const CommandEntry& entry : kCommands)
        if (argc > 1 && entry.name == argv[1]) commands.push_back(entry.add(app));
    if (commands.empty())
        for (const CommandEntry& entry : kCommands) commands.push_back(entry.add(app));
    return commands;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace raiiaf_cli;
    // Under `ulimit -f` a write past the limit then fails with EFBIG, which
    // is reported, instead of killing the process without a word.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"Single-file containers for diffusion-model artifacts: image, latents, metadata, environment.",
                 "raiiaf"};
    const std::string version = "raiiaf " + std::string(raiiaf::library_version());
    app.set_version_flag("--version", version);
    app.require_subcommand(1);
    app.footer("Exit status: 0 ok, 1 invalid or corrupt input or a failed operation, 2 usage error.\n"
               "Run 'raiiaf COMMAND --help' for a command's options.");

    const std::vector<Command> commands = add_commands(app, argc, argv);
    bool no_fsync = false;
    for (const auto& command : commands) {
        static constexpr std::string_view kWriters[] = {"create", "convert", "edit", "extract", "import", "export"};
        if (std::find(std::begin(kWriters), std::end(kWriters), command.app->get_name()) != std::end(kWriters))
            command.app->add_flag("--no-fsync", no_fsync,
                                  "Replace files atomically but skip fsync (fast, for scratch output: a power "
                                  "failure may lose what was written)");
    }
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

    set_durable_writes(!no_fsync);
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
