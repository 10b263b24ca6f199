// Helpers shared by the raiiaf CLI's commands: errors and exit codes, file
// input and output, text and JSON output, the progress bar.
#pragma once

#include <cstddef>
#include <filesystem>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include <raiiaf/raiiaf.hpp>

namespace raiiaf_cli {

namespace fs = std::filesystem;
using raiiaf::Json;

// ---- commands and exit codes ------------------------------------------------

enum ExitCode : int {
    kOk = 0,
    kFailure = 1,  // invalid or corrupt input, an I/O error, an existing output
    kUsage = 2,    // bad arguments
};

// One subcommand: its CLI11 node and what runs when it was chosen.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

Command add_create(CLI::App& parent);
Command add_info(CLI::App& parent);
Command add_extract(CLI::App& parent);
Command add_verify(CLI::App& parent);
Command add_env(CLI::App& parent);
Command add_convert(CLI::App& parent);
Command add_edit(CLI::App& parent);
Command add_index(CLI::App& parent);
Command add_find(CLI::App& parent);
Command add_export(CLI::App& parent);
Command add_import(CLI::App& parent);

// ---- errors -------------------------------------------------------------------

// Ends a command: main prints "raiiaf: <subject>: <message>" and exits with code.
class CliError : public std::runtime_error {
public:
    CliError(int code, std::string subject, const std::string& message)
        : std::runtime_error(message), code_(code), subject_(std::move(subject)) {}
    [[nodiscard]] int code() const noexcept { return code_; }
    [[nodiscard]] const std::string& subject() const noexcept { return subject_; }

private:
    int code_;
    std::string subject_;
};

[[noreturn]] inline void usage_error(std::string subject, const std::string& message) {
    throw CliError(kUsage, std::move(subject), message);
}
[[noreturn]] inline void failure(const fs::path& file, const std::string& message) {
    throw CliError(kFailure, file.string(), message);
}

// Prints one line "raiiaf: <subject>: <message>" on stderr (no subject: "raiiaf: <message>").
void print_error(std::string_view subject, std::string_view message);
// A message about `file` without a leading "<file>: " (the library's I/O
// errors start with the path) or nlohmann's "[json.exception...] " tag.
std::string clean_message(const fs::path& file, std::string_view what);
inline std::string message_about(const fs::path& file, const std::exception& error) {
    return clean_message(file, error.what());
}
// Runs `work`; any exception other than CliError becomes a CliError about `file`
// (exit 1: the library's errors all mean bad input or a failed I/O).
void about_file(const fs::path& file, const std::function<void()>& work);
// Reports the exception behind `error` as "raiiaf: <file>: ...".
void report(const fs::path& file, const std::exception& error);
// The library's class name for an error: "ChunkError", "IoError", ...
std::string error_kind(const std::exception_ptr& error);

// ---- files --------------------------------------------------------------------

// A regular file's bytes (FIFOs, devices and directories are refused), at
// most max_size of them.
std::vector<std::byte> read_input_file(const fs::path& path, std::optional<std::uint64_t> max_size = std::nullopt);
// --latent NAME=FILE.npy, NAME=FILE.safetensors or NAME=FILE.safetensors:TENSOR (cmd_create.cpp).
raiiaf::LatentInput read_latent_spec(const std::string& spec);
// --no-fsync, given to a command that writes (main.cpp adds it): its writes
// stay atomic but are not made durable (no fsync of the file and its folder).
bool durable_writes() noexcept;
void set_durable_writes(bool durable) noexcept;
// A JSON file, bounded as the reader bounds manifests (size, depth, keys, values).
Json read_json_file(const fs::path& path);
// Throws CliError (exit 1) when `path` exists and overwriting was not allowed.
void check_output(const fs::path& path, bool force);
// Writes a file atomically (temporary file beside it, fsync, rename).
void write_output_file(const fs::path& path, std::span<const std::byte> bytes);

// ---- names the library knows ---------------------------------------------------

// --compress CODEC and --format raiiaf|gen5, checked against the names the library knows.
CLI::Option* add_codec_option(CLI::App& app, std::string& value, const std::string& description);
CLI::Option* add_format_option(CLI::App& app, std::string& value, const std::string& description);
raiiaf::Codec parse_codec(const std::string& name);  // validated by CLI11 beforehand
raiiaf::Layout parse_layout(const std::string& name);
// Refuses combinations the layout cannot hold (usage error).
void check_codec_for_layout(std::optional<raiiaf::Codec> codec, raiiaf::Layout layout);

// The library's whole-file check; a damaged file ends the command (exit 1)
// with every problem on stderr.
void require_intact(const fs::path& file);
// A file just written, from what the writer returned: {"file", "layout",
// "version", "chunk_count", "file_size"} (docs/CLI.md), the keys in `extra`
// after them. Printed as JSON, or as "<text> (raiiaf 1.0, 4 chunks, 10197 bytes)";
// a note on stderr lists the extensions the file uses.
void report_written(const fs::path& path, const raiiaf::WriteResult& written, bool json, std::string_view text,
                    const Json& extra = Json::object());
// The same description of a file left as it was.
[[nodiscard]] raiiaf::WriteResult summary_of(const raiiaf::Reader& reader);

// ---- text output ----------------------------------------------------------------

// Control characters (C0, DEL, C1) escaped so that hostile metadata cannot
// drive the terminal; "\n" becomes the two characters \ and n.
std::string printable(std::string_view text);
std::string format_shape(const raiiaf::Shape& shape);  // "1x4x64x64", "scalar"
// A JSON value for a one-line display: strings bare, the rest compact JSON.
std::string display_value(const Json& value);
// "key=value key=value" for an object.
std::string display_object(const Json& object);
// JSON text for scripts: indented, UTF-8, one trailing newline.
void print_json(const Json& value);

// Columns separated by two spaces, widths from the widest cell (in code points).
class Table {
public:
    explicit Table(std::vector<std::string> header, std::vector<bool> right_aligned = {});
    void add(std::vector<std::string> row);
    void print(std::ostream& out, std::string_view indent = "") const;

private:
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

// ---- progress -------------------------------------------------------------------

// A one-line bar on stderr, drawn only when stderr is a terminal and there
// is more than one item. clear() before printing to stdout.
class Progress {
public:
    explicit Progress(std::size_t total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    void show(std::size_t done, std::string_view label);
    void clear();

private:
    std::size_t total_;
    bool enabled_;
    bool drawn_ = false;
};

}  // namespace raiiaf_cli
