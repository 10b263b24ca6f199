#include "cli_reports.hpp"

#include <iostream>
#include <string>
#include <vector>

#include "cli_errors.hpp"
#include "cli_text.hpp"

namespace raiiaf_cli {

void require_intact(const fs::path& file) {
    const raiiaf::CheckReport report = raiiaf::check_file(file);
    if (report.ok()) return;
    for (std::size_t i = 0; i + 1 < report.problems.size(); ++i)
        print_error(file.string(), clean_message(file, report.problems[i].message));
    failure(file, clean_message(file, report.problems.back().message));
}

void report_written(const fs::path& path, bool json, std::string_view text, const Json& extra) {
    Json summary;
    std::vector<std::string> extensions;
    about_file(path, [&] {
        const auto reader = raiiaf::Reader::open(path);
        extensions = raiiaf::extensions_used(reader);
        const auto& header = reader.header();
        summary = {{"file", path.string()},
                   {"layout", raiiaf::layout_name(reader.layout())},
                   {"version", std::to_string(header.version_major) + "." + std::to_string(header.version_minor)},
                   {"chunk_count", reader.chunks().size()},
                   {"file_size", reader.file_size()}};
    });
    if (!extensions.empty()) {
        std::string list;
        for (const auto& extension : extensions) list += (list.empty() ? "" : "; ") + extension;
        std::cerr << "raiiaf: note: " << printable(path.string())
                  << " needs this reader: the existing raiiaf/gen5 package cannot read " << printable(list)
                  << "; --compat refuses such files\n";
    }
    if (json) {
        summary.update(extra);
        print_json(summary);
        return;
    }
    std::cout << text << " (" << summary["layout"].get<std::string>() << " " << summary["version"].get<std::string>()
              << ", " << summary["chunk_count"] << " chunks, " << summary["file_size"] << " bytes)\n";
}

}  // namespace raiiaf_cli
