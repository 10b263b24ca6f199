// The CLI's errors: exit codes, CliError (ends a command) and how errors are
// reported on stderr.
#pragma once

#include <exception>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace raiiaf_cli {

namespace fs = std::filesystem;

enum ExitCode : int {
    kOk = 0,
    kFailure = 1,  // invalid or corrupt input, an I/O error, an existing output
    kUsage = 2,    // bad arguments
};

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

}  // namespace raiiaf_cli
