#include "cli_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace raiiaf_cli {

// ---- errors -------------------------------------------------------------------

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

// ---- files --------------------------------------------------------------------

namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

[[noreturn]] void io_failure(const fs::path& path, const std::string& what, int error) {
    failure(path, what.empty() ? std::strerror(error) : what + ": " + std::strerror(error));
}

}  // namespace

std::vector<std::byte> read_input_file(const fs::path& path, std::optional<std::uint64_t> max_size) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) io_failure(path, "", errno);
    struct stat info{};
    if (::fstat(fd.get(), &info) != 0) io_failure(path, "", errno);
    if (!S_ISREG(info.st_mode)) failure(path, "not a regular file");
    const auto size = static_cast<std::uint64_t>(info.st_size);
    if (max_size && size > *max_size)
        failure(path, "file of " + std::to_string(size) + " bytes exceeds the limit of " + std::to_string(*max_size));
    std::vector<std::byte> bytes(static_cast<std::size_t>(size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) io_failure(path, "cannot read", errno);
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

Json read_json_file(const fs::path& path) {
    const raiiaf::Limits limits;
    const auto bytes = read_input_file(path, limits.max_manifest_size);
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    try {
        return raiiaf::parse_json(text, limits);
    } catch (const raiiaf::InvalidArgument& e) {
        std::string reason = e.reason();
        if (reason.starts_with("not valid JSON: ")) reason.erase(0, std::string_view("not valid JSON: ").size());
        const auto& offset = e.where().offset;
        failure(path, "invalid JSON: " + reason + (offset ? " (at byte " + std::to_string(*offset) + ")" : ""));
    }
}

void check_output(const fs::path& path, bool force) {
    std::error_code error;
    const auto status = fs::symlink_status(path, error);
    if (!fs::exists(status)) return;
    if (fs::is_directory(status)) failure(path, "output is a directory");
    if (!force) failure(path, "output exists (use --force to overwrite)");
    // --force replaces files; a FIFO or a device (through a symlink or not) is never replaced.
    if (const auto followed = fs::status(path, error); fs::exists(followed) && !fs::is_regular_file(followed))
        failure(path, "output is not a regular file (a FIFO, a device or a socket); refusing to replace it");
}

namespace {
bool durable = true;
}  // namespace

bool durable_writes() noexcept { return durable; }
void set_durable_writes(bool value) noexcept { durable = value; }

void write_output_file(const fs::path& path, std::span<const std::byte> bytes) {
    try {
        raiiaf::write_file_atomically(path, bytes, durable_writes());
    } catch (const raiiaf::IoError& e) {
        failure(path, message_about(path, e));
    }
}

// ---- names the library knows ---------------------------------------------------

namespace {

CLI::Option* add_choice(CLI::App& app, const std::string& name, std::string& value, const std::string& description,
                        const std::vector<std::string>& choices) {
    std::string list;
    for (const auto& choice : choices) list += (list.empty() ? "" : "|") + choice;
    // The choices go in the type name; IsMember would repeat them as "{...}".
    return app.add_option(name, value, description)->check(CLI::IsMember(choices).description(""))->type_name(list);
}

}  // namespace

CLI::Option* add_codec_option(CLI::App& app, std::string& value, const std::string& description) {
    std::vector<std::string> names;
    for (const auto& codec : raiiaf::codec_table()) names.emplace_back(codec.name);
    return add_choice(app, "--compress", value, description, names);
}

CLI::Option* add_format_option(CLI::App& app, std::string& value, const std::string& description) {
    std::vector<std::string> names;
    for (auto layout : {raiiaf::Layout::raiiaf, raiiaf::Layout::gen5}) names.emplace_back(raiiaf::layout_name(layout));
    return add_choice(app, "--format", value, description, names);
}

raiiaf::Codec parse_codec(const std::string& name) {
    const auto codec = raiiaf::codec_from_name(name);
    if (!codec) usage_error("--compress", "unknown codec \"" + name + "\"");
    return *codec;
}

raiiaf::Layout parse_layout(const std::string& name) {
    const auto layout = raiiaf::layout_from_name(name);
    if (!layout) usage_error("--format", "unknown format \"" + name + "\"");
    return *layout;
}

void check_codec_for_layout(std::optional<raiiaf::Codec> codec, raiiaf::Layout layout) {
    if (!codec) return;
    if (const auto refusal = raiiaf::codec_refusal(*codec, layout)) usage_error("--compress", *refusal);
}

void require_intact(const fs::path& file) {
    const raiiaf::CheckReport report = raiiaf::check_file(file);
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

// ---- text output ----------------------------------------------------------------

namespace {

// Decodes one UTF-8 sequence at text[i]; nullopt (and length 1) when invalid.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t i, std::size_t& length) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    length = 1;
    if (lead < 0x80) return lead;
    std::size_t count = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((lead & 0xE0) == 0xC0) count = 1, cp = lead & 0x1F, min = 0x80;
    else if ((lead & 0xF0) == 0xE0) count = 2, cp = lead & 0x0F, min = 0x800;
    else if ((lead & 0xF8) == 0xF0) count = 3, cp = lead & 0x07, min = 0x10000;
    else return std::nullopt;
    if (i + count >= text.size()) return std::nullopt;
    for (std::size_t k = 1; k <= count; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    length = count + 1;
    return cp;
}

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0, length = 0; i < text.size(); i += length) {
        (void)decode_utf8(text, i, length);
        ++width;
    }
    return width;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    char buffer[16];
    for (std::size_t i = 0, length = 0; i < text.size(); i += length) {
        const auto cp = decode_utf8(text, i, length);
        if (!cp) {
            std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned char>(text[i]));
            out += buffer;
        } else if (*cp == '\n') {
            out += "\\n";
        } else if (*cp == '\t') {
            out += "\\t";
        } else if (*cp == '\r') {
            out += "\\r";
        } else if (*cp < 0x20 || *cp == 0x7F) {
            std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(*cp));
            out += buffer;
        } else if (*cp >= 0x80 && *cp < 0xA0) {
            std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(*cp));
            out += buffer;
        } else {
            out.append(text.substr(i, length));
        }
    }
    return out;
}

std::string format_shape(const raiiaf::Shape& shape) {
    if (shape.empty()) return "scalar";
    std::string out;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) out += 'x';
        out += std::to_string(shape[i]);
    }
    return out;
}

std::string display_value(const Json& value) {
    if (value.is_string()) return printable(value.get_ref<const std::string&>());
    return printable(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string display_object(const Json& object) {
    if (!object.is_object()) return display_value(object);
    std::string out;
    for (const auto& [key, value] : object.items()) {
        if (!out.empty()) out += ' ';
        out += printable(key) + "=" + display_value(value);
    }
    return out;
}

void print_json(const Json& value) {
    std::cout << value.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

Table::Table(std::vector<std::string> header, std::vector<bool> right_aligned) : right_(std::move(right_aligned)) {
    rows_.push_back(std::move(header));
}

void Table::add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

void Table::print(std::ostream& out, std::string_view indent) const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    }
    for (const auto& row : rows_) {
        std::string line(indent);
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::size_t pad = widths[c] - display_width(row[c]);
            const bool right = c < right_.size() && right_[c];
            if (c > 0) line += "  ";
            if (right) line.append(pad, ' ');
            line += row[c];
            if (!right && c + 1 < row.size()) line.append(pad, ' ');
        }
        out << line << '\n';
    }
}

// ---- progress -------------------------------------------------------------------

Progress::Progress(std::size_t total) : total_(total), enabled_(total > 1 && ::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { clear(); }

void Progress::show(std::size_t done, std::string_view label) {
    if (!enabled_) return;
    constexpr std::size_t kBarWidth = 24;
    const std::size_t filled = total_ == 0 ? kBarWidth : done * kBarWidth / total_;
    std::string line = "\r\033[K[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] " +
                       std::to_string(done) + "/" + std::to_string(total_) + " ";
    std::string name = printable(label);
    // Long names keep their end, cut at a character boundary.
    if (const std::size_t width = display_width(name); width > 48) {
        std::size_t cut = 0;
        for (std::size_t n = 0, length = 0; n < width - 45; ++n, cut += length) (void)decode_utf8(name, cut, length);
        name = "..." + name.substr(cut);
    }
    line += name;
    std::cout.flush();
    std::cerr << line << std::flush;
    drawn_ = true;
}

void Progress::clear() {
    if (!drawn_) return;
    std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
}

}  // namespace raiiaf_cli
