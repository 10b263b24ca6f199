// raiiaf verify FILE... [--json]: the library's whole-file check on each file
// (header, schema, bounds, every chunk's envelope and hash); exit 0 only if
// every file is intact.
#include <iostream>
#include <memory>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct VerifyOptions {
    std::vector<std::string> files;
    bool json = false;
};

int run_verify(const VerifyOptions& o) {
    std::size_t failed = 0;
    Json all = Json::array();
    Progress progress(o.files.size());
    for (std::size_t i = 0; i < o.files.size(); ++i) {
        const auto& file = o.files[i];
        progress.show(i, file);
        const raiiaf::CheckReport report = raiiaf::check_file(file);
        progress.clear();
        if (!report.ok()) ++failed;
        for (const auto& problem : report.problems) print_error(file, clean_message(file, problem.message));

        if (o.json) {
            Json problems = Json::array();
            for (const auto& problem : report.problems)
                problems.push_back({{"kind", error_kind(problem.error)},
                                    {"message", clean_message(file, problem.message)}});
            all.push_back({{"file", file},
                           {"ok", report.ok()},
                           {"layout", report.layout ? Json(raiiaf::layout_name(*report.layout)) : Json()},
                           {"chunk_count", report.chunk_count},
                           {"problems", problems}});
            continue;
        }
        std::cout << printable(file) << ": ";
        if (report.ok()) {
            std::cout << "ok (" << raiiaf::layout_name(report.layout.value_or(raiiaf::Layout::raiiaf)) << ", "
                      << report.chunk_count << " chunks)\n";
        } else {
            const auto n = report.problems.size();
            std::cout << "FAILED (" << n << (n == 1 ? " problem" : " problems") << ")\n";
        }
    }
    progress.clear();
    if (o.json) {
        print_json(all);
    } else {
        const auto n = o.files.size();
        std::cout << n << (n == 1 ? " file" : " files") << " checked: " << n - failed << " intact, " << failed
                  << " failed\n";
    }
    return failed == 0 ? kOk : kFailure;
}

}  // namespace

Command add_verify(CLI::App& parent) {
    auto o = std::make_shared<VerifyOptions>();
    CLI::App* app = parent.add_subcommand("verify", "Check artifacts: header, schema, bounds, hashes");
    app->add_option("FILE", o->files, "Artifacts to check")->required();
    app->add_flag("--json", o->json, "A JSON array, one object per file");
    return {app, [o] { return run_verify(*o); }};
}

}  // namespace raiiaf_cli
