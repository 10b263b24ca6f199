#include "cli_errors.hpp"

#include <iostream>

#include <raiiaf/errors.hpp>

#include "cli_text.hpp"

namespace raiiaf_cli {

void print_error(std::string_view subject, std::string_view message) {
    std::cout.flush();
    std::string line = "raiiaf: ";
    if (!subject.empty()) line += printable(subject) + ": ";
    line += printable(message);
    std::cerr << line << '\n';
}

std::string clean_message(const fs::path& file, std::string_view what) {
    // nlohmann's "[json.exception.parse_error.101] " says nothing to a user.
    if (what.starts_with("[json.exception.")) {
        if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
    }
    const std::string prefix = file.string() + ": ";
    if (!file.empty() && what.starts_with(prefix)) what.remove_prefix(prefix.size());
    return std::string(what);
}

void about_file(const fs::path& file, const std::function<void()>& work) {
    try {
        work();
    } catch (const CliError&) {
        throw;
    } catch (const std::exception& e) {
        throw CliError(kFailure, file.string(), message_about(file, e));
    }
}

void report(const fs::path& file, const std::exception& error) {
    if (const auto* cli = dynamic_cast<const CliError*>(&error)) {
        print_error(cli->subject(), cli->what());
        return;
    }
    print_error(file.string(), message_about(file, error));
}

std::string error_kind(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const raiiaf::Error& e) {
        return std::string(raiiaf::error_code_name(e.code()));
    } catch (...) {
        return "Error";
    }
}

}  // namespace raiiaf_cli
