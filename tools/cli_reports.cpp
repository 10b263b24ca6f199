#include "cli_reports.hpp"

#include <iostream>
#include <string>
#include <vector>

#include "cli_errors.hpp"
#include "cli_text.hpp"

namespace raiiaf_cli {

void require_intact(const raiiaf::CheckReport& report, const fs::path& file) {
    if (report.ok()) return;
    for (std::size_t i = 0; i + 1 < report.problems.size(); ++i)
        print_error(file.string(), clean_message(file, report.problems[i].message));
    failure(file, clean_message(file, report.problems.back().message));
}

raiiaf::WriteResult summary_of(const raiiaf::Reader& reader) {
    raiiaf::WriteResult summary;
    summary.layout = reader.layout();
    summary.version_major = reader.header().version_major;
    summary.version_minor = reader.header().version_minor;
    summary.chunk_count = reader.chunks().size();
    summary.file_size = reader.file_size();
    summary.extensions = raiiaf::extensions_used(reader);
    return summary;
}

void report_written(const fs::path& path, const raiiaf::WriteResult& written, bool json, std::string_view text,
                    const Json& extra) {
    Json summary = {{"file", path.string()},
                    {"layout", raiiaf::layout_name(written.layout)},
                    {"version", std::to_string(written.version_major) + "." + std::to_string(written.version_minor)},
                    {"chunk_count", written.chunk_count},
                    {"file_size", written.file_size}};
    if (!written.extensions.empty()) {
        std::string list;
        for (const auto& extension : written.extensions) list += (list.empty() ? "" : "; ") + extension;
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
