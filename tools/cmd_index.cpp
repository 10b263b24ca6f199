// raiiaf index DIR... [--db PATH] [--json]: builds or updates the catalogue
// (incremental; damaged files are recorded, never fatal).
#include <iostream>
#include <memory>

#include <raiiaf/catalog.hpp>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct IndexCommandOptions {
    std::vector<std::string> roots;
    std::string db;
    bool json = false;
    unsigned threads = 0;
};

int run_index(const IndexCommandOptions& o) {
    const std::string location = o.db.empty() ? raiiaf::Catalog::default_location() : o.db;
    raiiaf::Catalog catalog = raiiaf::Catalog::open(location);
    std::vector<fs::path> roots(o.roots.begin(), o.roots.end());
    std::unique_ptr<Progress> progress;
    raiiaf::IndexOptions options;
    options.threads = o.threads;
    options.progress = [&](std::size_t done, std::size_t total) {
        if (!progress) progress = std::make_unique<Progress>(total);
        progress->show(done, "reading");
    };
    const raiiaf::IndexSummary s = catalog.index(roots, options);
    if (progress) progress->clear();
    for (const auto& [path, error] : s.damaged_files) print_error(path, "damaged: " + clean_message(path, error));
    if (o.json) {
        Json damaged = Json::array();
        for (const auto& [path, error] : s.damaged_files) damaged.push_back({{"path", path}, {"error", error}});
        print_json({{"catalog", location}, {"seen", s.seen},       {"added", s.added},   {"updated", s.updated},
                    {"unchanged", s.unchanged}, {"moved", s.moved}, {"deleted", s.deleted}, {"damaged", s.damaged},
                    {"unrecognised", s.unrecognised}, {"damaged_files", damaged}});
        return kOk;
    }
    std::cout << s.seen << (s.seen == 1 ? " file" : " files") << " in " << printable(location) << ": " << s.added
              << " added (" << s.moved << " moved), " << s.updated << " updated, " << s.unchanged << " unchanged, "
              << s.deleted << " deleted, " << s.damaged << " damaged";
    if (s.unrecognised) std::cout << ", " << s.unrecognised << (s.unrecognised == 1 ? " image" : " images") << " without metadata";
    std::cout << '\n';
    return kOk;
}

}  // namespace

Command add_index(CLI::App& parent) {
    auto o = std::make_shared<IndexCommandOptions>();
    CLI::App* app = parent.add_subcommand("index", "Build or update the catalogue of the artifacts under folders");
    app->add_option("DIR", o->roots, "Folders (or files) to index")->required();
    app->add_option("--db", o->db, "Catalogue: a SQLite file or a postgresql:// URL (default: $RAIIAF_CATALOG, "
                                   "else ~/.cache/raiiaf/catalog.sqlite)");
    app->add_option("-j,--threads", o->threads, "Reading threads (default: one per core)");
    app->add_flag("--json", o->json, "The summary as JSON");
    return {app, [o] { return run_index(*o); }};
}

}  // namespace raiiaf_cli
