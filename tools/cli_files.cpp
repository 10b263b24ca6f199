#include "cli_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "cli_errors.hpp"

namespace raiiaf_cli {

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

raiiaf::Bytes read_input_file(const fs::path& path, std::optional<std::uint64_t> max_size) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) io_failure(path, "", errno);
    struct stat info{};
    if (::fstat(fd.get(), &info) != 0) io_failure(path, "", errno);
    if (!S_ISREG(info.st_mode)) failure(path, "not a regular file");
    const auto size = static_cast<std::uint64_t>(info.st_size);
    if (max_size && size > *max_size)
        failure(path, "file of " + std::to_string(size) + " bytes exceeds the limit of " + std::to_string(*max_size));
    // Not zero-filled first: a pass over every byte that the read repeats.
    const auto buffer = std::make_shared_for_overwrite<std::byte[]>(static_cast<std::size_t>(size));
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd.get(), buffer.get() + done, static_cast<std::size_t>(size) - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) io_failure(path, "cannot read", errno);
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return raiiaf::Bytes(std::span<const std::byte>(buffer.get(), done), buffer);
}

raiiaf::Bytes map_input_file(const fs::path& path) {
    try {
        return raiiaf::map_file(path);
    } catch (const raiiaf::IoError& e) {
        failure(path, message_about(path, e));
    }
}

void require_intact(const fs::path& path, const raiiaf::Bytes& bytes) {
    if (!bytes.intact()) failure(path, kInputLost);
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

}  // namespace raiiaf_cli
