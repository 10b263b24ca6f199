// raiiaf env [--json]: the environment a write would record here.
// raiiaf env diff FILE [--json]: how a file's recorded environment differs from it.
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct EnvOptions {
    bool json = false;
    CLI::App* diff = nullptr;
    std::string diff_file;
    bool diff_json = false;
};

int run_env(const EnvOptions& o) {
    const raiiaf::Environment env = raiiaf::current_environment();
    if (o.json) {
        Json components = Json::array();
        for (const auto& c : env.components)
            components.push_back({{"id", c.id}, {"canonical", c.canonical}, {"digest", c.digest_hex()}});
        print_json({{"env_version", env.env_version}, {"components", components}});
        return kOk;
    }
    Table table({"component", "value"});
    for (const auto& c : env.components) table.add({printable(c.id), printable(c.canonical)});
    table.print(std::cout);
    return kOk;
}

// The existing Python package's wording for each kind of difference.
std::string_view describe(raiiaf::DriftKind kind) {
    switch (kind) {
        case raiiaf::DriftKind::changed: return "differs";
        case raiiaf::DriftKind::missing_in_file: return "missing in file";
        case raiiaf::DriftKind::missing_here: return "missing in current system";
    }
    return "";
}

int run_diff(const EnvOptions& o) {
    const std::string& file = o.diff_file;
    std::optional<raiiaf::Environment> recorded;
    about_file(file, [&] { recorded = raiiaf::Reader::open(file).environment(); });
    // What only one side has is not drift: the file did not record it, or this
    // tool cannot observe it (torch, python: it does not run Python).
    const auto comparison = recorded ? raiiaf::compare_environments_in_detail(*recorded, raiiaf::current_environment())
                                     : raiiaf::EnvironmentComparison{};
    const auto& drift = comparison.drift;
    const auto joined = [](const std::vector<std::string>& ids) {
        std::string text;
        for (const auto& id : ids) text += (text.empty() ? "" : ", ") + printable(id);
        return text;
    };
    const auto print_unchecked = [&] {
        if (!comparison.not_checked.empty())
            std::cout << "  not checked (not observable here): " << joined(comparison.not_checked) << '\n';
        if (!comparison.not_recorded.empty())
            std::cout << "  not recorded in the file: " << joined(comparison.not_recorded) << '\n';
    };
    if (o.diff_json) {
        Json differences = Json::array();
        for (const auto& d : drift) {
            differences.push_back({{"component_id", d.component_id},
                                   {"kind", raiiaf::drift_kind_name(d.kind)},
                                   {"file", d.kind == raiiaf::DriftKind::missing_in_file ? Json() : Json(d.file_value)},
                                   {"current", d.kind == raiiaf::DriftKind::missing_here ? Json() : Json(d.current_value)}});
        }
        print_json({{"file", file},
                    {"recorded", recorded.has_value()},
                    {"differences", differences},
                    {"not_checked", comparison.not_checked},
                    {"not_recorded", comparison.not_recorded}});
        return kOk;
    }
    if (!recorded) {
        std::cout << printable(file) << ": no environment recorded\n";
        return kOk;
    }
    if (drift.empty()) {
        std::size_t unchecked = 0;  // file components of the ids not checked
        for (const auto& component : recorded->components)
            unchecked += std::count(comparison.not_checked.begin(), comparison.not_checked.end(), component.id);
        std::cout << printable(file) << ": no drift (" << recorded->components.size() - unchecked
                  << " components match)\n";
        print_unchecked();
        return kOk;
    }
    std::cout << printable(file) << ": " << drift.size() << (drift.size() == 1 ? " difference" : " differences")
              << " from this machine\n";
    for (const auto& d : drift) {
        std::cout << "  " << printable(d.component_id) << ": " << describe(d.kind) << '\n';
        if (d.kind != raiiaf::DriftKind::missing_in_file) std::cout << "    file:    " << printable(d.file_value) << '\n';
        if (d.kind != raiiaf::DriftKind::missing_here) std::cout << "    current: " << printable(d.current_value) << '\n';
    }
    print_unchecked();
    return kOk;
}

}  // namespace

Command add_env(CLI::App& parent) {
    auto o = std::make_shared<EnvOptions>();
    CLI::App* app = parent.add_subcommand("env", "Show the environment a write would record here");
    app->add_flag("--json", o->json, "JSON output");
    app->require_subcommand(0, 1);
    o->diff = app->add_subcommand("diff", "Compare a file's recorded environment with this machine");
    o->diff->add_option("FILE", o->diff_file, "The artifact")->required();
    o->diff->add_flag("--json", o->diff_json, "JSON output");
    return {app, [o] { return o->diff->parsed() ? run_diff(*o) : run_env(*o); }};
}

}  // namespace raiiaf_cli
