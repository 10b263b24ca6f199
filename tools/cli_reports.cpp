#include "cli_reports.hpp"

#include <iostream>
#include <string>
#include <vector>

#include "cli_errors.hpp"
#include "cli_text.hpp"

namespace raiiaf_cli {

void require_intact(const raiiaf::Reader& reader, const fs::path& file) {
    const raiiaf::CheckReport report = reader.verify();
    if (report.ok()) return;
    for (std::size_t i = 0; i + 1 < report.problems.size(); ++i)
        print_error(file.string(), clean_message(file, report.problems[i].message));
    failure(file, clean_message(file, report.problems.back().message));
}

void report_written(const fs::path& path, const raiiaf::WrittenFile& written, bool json, std::string_view text,
                    const Json& extra) {
    const auto& header = written.header;
    const Json summary = {{"file", path.string()},
                          {"layout", raiiaf::layout_name(header.layout)},
                          {"version", std::to_string(header.version_major) + "." + std::to_string(header.version_minor)},
                          {"chunk_count", written.chunks.size()},
                          {"file_size", header.file_size}};
    if (const auto extensions = raiiaf::extensions_used(written.chunks); !extensions.empty()) {
        std::string list;
        for (const auto& extension : extensions) list += (list.empty() ? "" : "; ") + extension;
        std::cerr << "raiiaf: note: " << printable(path.string())
                  << " needs this reader: the existing raiiaf/gen5 package cannot read " << printable(list)
                  << "; --compat refuses such files\n";
    }
    if (json) {
        Json out = summary;
        out.update(extra);
        print_json(out);
        return;
    }
    std::cout << text << " (" << summary["layout"].get<std::string>() << " " << summary["version"].get<std::string>()
              << ", " << summary["chunk_count"] << " chunks, " << summary["file_size"] << " bytes)\n";
}

}  // namespace raiiaf_cli
