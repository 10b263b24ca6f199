// raiiaf find QUERY... [--db PATH] [--json|--paths|-0] [--limit N] [--sort FIELD],
// raiiaf find --same-noise FILE, raiiaf find --duplicates: queries the catalogue
// (the query language is in docs/CLI.md).
#include <iostream>
#include <memory>

#include <raiiaf/catalog.hpp>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct FindCommandOptions {
    std::vector<std::string> query;
    std::string db;
    bool json = false;
    bool paths = false;
    bool nul = false;
    std::optional<std::size_t> limit;
    std::string sort;
    std::string same_noise;
    bool duplicates = false;
};

std::string shortened(std::string_view text, std::size_t width) {
    std::string out = printable(text);
    if (out.size() > width) out = out.substr(0, width - 3) + "...";
    return out;
}

// Paths under the current directory are shown relative to it in tables.
std::string shown_path(const std::string& path) {
    std::error_code ec;
    const fs::path here = fs::current_path(ec);
    if (!ec) {
        const fs::path relative = fs::path(path).lexically_relative(here);
        if (!relative.empty() && *relative.begin() != "..") return printable(relative.string());
    }
    return printable(path);
}

void print_entries(const std::vector<raiiaf::CatalogEntry>& entries, const FindCommandOptions& o) {
    if (o.paths || o.nul) {
        for (const auto& e : entries) {
            if (o.nul) std::cout << e.path << '\0';
            else std::cout << printable(e.path) << '\n';
        }
        return;
    }
    Table table({"PATH", "MODEL", "SEED", "STEPS", "PROMPT"}, {false, false, true, true, false});
    for (const auto& e : entries) {
        if (e.damaged) {
            table.add({shown_path(e.path), "(damaged)", "", "", shortened(e.error_kind + ": " + e.error, 60)});
            continue;
        }
        table.add({shown_path(e.path), printable(e.model), e.seed ? std::to_string(*e.seed) : "",
                   e.steps ? std::to_string(*e.steps) : "", shortened(e.prompt, 60)});
    }
    table.print(std::cout);
}

int run_find(const FindCommandOptions& o) {
    const int modes = int(!o.query.empty()) + int(!o.same_noise.empty()) + int(o.duplicates);
    if (modes > 1) usage_error("find", "give a QUERY, --same-noise or --duplicates, not several");
    if (int(o.json) + int(o.paths) + int(o.nul) > 1) usage_error("find", "--json, --paths and -0 exclude each other");
    const std::string location = o.db.empty() ? raiiaf::Catalog::default_location() : o.db;
    if (o.db.empty() && !fs::exists(location))
        failure(location, "no catalogue yet; run 'raiiaf index DIR' first (or give --db)");
    const raiiaf::Catalog catalog = raiiaf::Catalog::open(location);
    raiiaf::FindOptions options;
    options.limit = o.limit;
    options.sort = o.sort;

    if (o.duplicates) {
        const auto groups = catalog.duplicates();
        if (o.json) {
            Json all = Json::array();
            for (const auto& g : groups) {
                Json entries = Json::array();
                for (const auto& e : g.entries) entries.push_back(raiiaf::to_json(e));
                all.push_back({{"kind", g.kind}, {"digest", g.digest}, {"entries", entries}});
            }
            print_json(all);
            return kOk;
        }
        for (std::size_t i = 0; i < groups.size(); ++i) {
            if (o.paths || o.nul) {
                if (i && o.paths) std::cout << '\n';
                print_entries(groups[i].entries, o);
                continue;
            }
            std::cout << (i ? "\n" : "") << "same " << groups[i].kind << " (" << groups[i].digest.substr(0, 16) << "...):\n";
            for (const auto& e : groups[i].entries) std::cout << "  " << shown_path(e.path) << '\n';
        }
        return kOk;
    }

    std::vector<raiiaf::CatalogEntry> entries;
    if (!o.same_noise.empty()) {
        entries = catalog.same_noise(o.same_noise, options);
    } else {
        std::string query;
        for (const auto& part : o.query) query += (query.empty() ? "" : " ") + part;
        try {
            entries = catalog.find(query, options);
        } catch (const raiiaf::QueryError& e) {
            // The query, and a caret under the column.
            std::cerr << "raiiaf: find: " << e.what() << "\n  " << printable(query) << "\n  "
                      << std::string(e.column() - 1, ' ') << "^\n";
            return kUsage;
        }
    }
    if (o.json) {
        Json all = Json::array();
        for (const auto& e : entries) all.push_back(raiiaf::to_json(e));
        print_json(all);
        return kOk;
    }
    print_entries(entries, o);
    return kOk;
}

}  // namespace

Command add_find(CLI::App& parent) {
    auto o = std::make_shared<FindCommandOptions>();
    CLI::App* app = parent.add_subcommand("find", "Query the catalogue: field filters and full-text words");
    app->add_option("QUERY", o->query, "Terms, e.g. model:sdxl seed:1337 'steps>=30' fennec (docs/CLI.md)");
    app->add_option("--db", o->db, "Catalogue: a SQLite file or a postgresql:// URL (default as for index)");
    app->add_flag("--json", o->json, "A JSON array, one object per artifact (keys in docs/CLI.md)");
    app->add_flag("--paths", o->paths, "Only the paths, one a line");
    app->add_flag("-0,--null", o->nul, "Only the paths, each ended by a NUL byte (for xargs -0)");
    app->add_option("--limit", o->limit, "At most N results")->check(CLI::PositiveNumber);
    app->add_option("--sort", o->sort, "path (default), date, seed, steps, cfg, model, width, height, file.size; "
                                       "'-' in front for descending");
    app->add_option("--same-noise", o->same_noise, "Artifacts whose initial noise equals this file's");
    app->add_flag("--duplicates", o->duplicates, "Groups of artifacts with the same image or the same initial noise");
    return {app, [o] { return run_find(*o); }};
}

}  // namespace raiiaf_cli
