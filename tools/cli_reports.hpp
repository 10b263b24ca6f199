// What commands say about artifacts they check or write.
#pragma once

#include <filesystem>
#include <string_view>

#include <raiiaf/raiiaf.hpp>

namespace raiiaf_cli {

namespace fs = std::filesystem;
using raiiaf::Json;

// The library's whole-file check (Reader::verify) of `file`: a damaged file
// ends the command (exit 1) with every problem on stderr.
void require_intact(const raiiaf::CheckReport& report, const fs::path& file);
// A file just written, from what the writer returned (the file is not read
// again): {"file", "layout", "version", "chunk_count", "file_size"}
// (docs/CLI.md), the keys in `extra` after them. Printed as JSON, or as
// "<text> (raiiaf 1.0, 4 chunks, 10197 bytes)"; a note on stderr lists the
// extensions the file uses.
void report_written(const fs::path& path, const raiiaf::WriteResult& written, bool json, std::string_view text,
                    const Json& extra = Json::object());
// The same description of a file left as it was.
[[nodiscard]] raiiaf::WriteResult summary_of(const raiiaf::Reader& reader);

}  // namespace raiiaf_cli
