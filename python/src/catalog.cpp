// raiiaf._raiiaf.Catalog: the catalogue (raiiaf::Catalog). Entries cross as
// JSON text (raiiaf::to_json, the keys `raiiaf find --json` prints) so that one
// place names the fields; raiiaf/catalog.py turns them into rows.
#include <raiiaf/catalog.hpp>

#include "binding.hpp"

namespace raiiaf_py {
namespace {

py::list entries_json(const std::vector<raiiaf::CatalogEntry>& entries) {
    py::list out;
    for (const auto& e : entries) out.append(raiiaf::to_json(e).dump());
    return out;
}

raiiaf::FindOptions find_options(std::optional<std::size_t> limit, const std::string& sort) {
    raiiaf::FindOptions options;
    options.limit = limit;
    options.sort = sort;
    return options;
}

}  // namespace

void register_catalog(py::module_& m) {
    py::class_<raiiaf::Catalog>(m, "Catalog", "A catalogue: a SQLite file or a postgresql:// URL.")
        .def(py::init([](const std::string& location) {
                 py::gil_scoped_release release;
                 return raiiaf::Catalog::open(location);
             }),
             py::arg("location"), "Opens (creating or migrating) the catalogue.")
        .def_static("default_location", &raiiaf::Catalog::default_location, "Where the catalogue lives by default.")
        .def_property_readonly("schema_version", &raiiaf::Catalog::schema_version, "The stored schema version.")
        .def_property_readonly("backend", &raiiaf::Catalog::backend, "\"sqlite\" or \"postgresql\".")
        .def("index",
             [](raiiaf::Catalog& self, const std::vector<std::string>& roots, unsigned threads) {
                 raiiaf::IndexSummary s;
                 {
                     py::gil_scoped_release release;
                     raiiaf::IndexOptions options;
                     options.threads = threads;
                     s = self.index(std::vector<std::filesystem::path>(roots.begin(), roots.end()), options);
                 }
                 py::dict d;
                 d["seen"] = s.seen;
                 d["added"] = s.added;
                 d["updated"] = s.updated;
                 d["unchanged"] = s.unchanged;
                 d["moved"] = s.moved;
                 d["deleted"] = s.deleted;
                 d["damaged"] = s.damaged;
                 d["damaged_files"] = s.damaged_files;
                 return d;
             },
             py::arg("roots"), py::arg("threads") = 0u, "Indexes the folders; returns the summary.")
        .def("find",
             [](const raiiaf::Catalog& self, const std::string& query, std::optional<std::size_t> limit,
                const std::string& sort) {
                 std::vector<raiiaf::CatalogEntry> entries;
                 {
                     py::gil_scoped_release release;
                     entries = self.find(query, find_options(limit, sort));
                 }
                 return entries_json(entries);
             },
             py::arg("query"), py::arg("limit") = py::none(), py::arg("sort") = "", "Matching entries as JSON texts.")
        .def("same_noise",
             [](const raiiaf::Catalog& self, const std::string& file, std::optional<std::size_t> limit,
                const std::string& sort) {
                 std::vector<raiiaf::CatalogEntry> entries;
                 {
                     py::gil_scoped_release release;
                     entries = self.same_noise(file, find_options(limit, sort));
                 }
                 return entries_json(entries);
             },
             py::arg("file"), py::arg("limit") = py::none(), py::arg("sort") = "", "Entries with the same initial noise as JSON texts.")
        .def("duplicates",
             [](const raiiaf::Catalog& self) {
                 std::vector<raiiaf::Catalog::DuplicateGroup> groups;
                 {
                     py::gil_scoped_release release;
                     groups = self.duplicates();
                 }
                 py::list out;
                 for (const auto& g : groups) out.append(py::make_tuple(g.kind, g.digest, entries_json(g.entries)));
                 return out;
             },
             "(kind, digest, JSON texts) for each group of duplicates.")
        .def("__len__", &raiiaf::Catalog::size, "Entries, damaged included.");
}

}  // namespace raiiaf_py
