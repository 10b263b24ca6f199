#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {
[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error) {
    throw IoError(path.string() + ": " + what + ": " + std::strerror(error));
}

std::string random_suffix() {
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device device;
    std::uniform_int_distribution<int> pick(0, sizeof(kChars) - 2);
    std::string suffix(8, 'x');
    for (auto& c : suffix) c = kChars[pick(device)];
    return suffix;
}

void write_all(int fd, const std::byte* data, std::size_t size, std::uint64_t offset,
               const std::filesystem::path& path) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path, "write failed", errno);
        }
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}
std::filesystem::path directory_of(const std::filesystem::path& target) {
    return target.has_parent_path() ? target.parent_path() : ".";
}

// A hidden name beside the target, unlikely to exist.
std::filesystem::path temporary_name(const std::filesystem::path& target) {
    return directory_of(target) / ("." + target.filename().string() + ".tmp-" + random_suffix());
}
}  // namespace

AtomicFile::AtomicFile(const std::filesystem::path& target) : target_(target) {
    const std::filesystem::path directory = directory_of(target);
    mode_t mode = 0644;
    struct stat existing {};
    if (::stat(target.c_str(), &existing) == 0) mode = existing.st_mode & 07777;
    // An O_TMPFILE file has no name until commit() links it, so a process
    // killed while writing leaves nothing behind. Some file systems lack it.
    fd_ = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    if (fd_ < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        fail(directory, "cannot create a temporary file", errno);
    anonymous_ = fd_ >= 0;
    for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
        temporary_ = temporary_name(target);
        fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd_ < 0 && errno != EEXIST) fail(temporary_, "cannot create a temporary file", errno);
    }
    if (fd_ < 0) fail(temporary_, "cannot create a temporary file", EEXIST);
    if (mode != 0644) ::fchmod(fd_, mode);  // keep the target's permissions, not the umask's
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temporary_.empty()) ::unlink(temporary_.c_str());
}

void AtomicFile::write(std::span<const std::byte> data) {
    write_all(fd_, data.data(), data.size(), written_, target_);
    written_ += data.size();
}

void AtomicFile::write_at(std::uint64_t offset, std::span<const std::byte> data) {
    write_all(fd_, data.data(), data.size(), offset, target_);
    if (offset + data.size() > written_) written_ = offset + data.size();
}

void AtomicFile::commit() {
    if (::fsync(fd_) != 0) fail(target_, "fsync failed", errno);
    if (anonymous_) link_temporary();
    // Nothing between naming the file and the rename: a kill there leaves it behind.
    if (::rename(temporary_.c_str(), target_.c_str()) != 0) fail(target_, "cannot replace", errno);
    committed_ = true;
    const int closed = ::close(fd_);
    fd_ = -1;
    if (closed != 0) fail(target_, "close failed", errno);
    const std::filesystem::path directory = directory_of(target_);
    const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {  // the rename is durable once the directory entry is
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

// Names the O_TMPFILE file, only now that it is complete: a kill between this
// and the rename is the one moment a temporary file can be left behind.
void AtomicFile::link_temporary() {
    const std::string self = "/proc/self/fd/" + std::to_string(fd_);
    for (int attempt = 0; attempt < 16; ++attempt) {
        temporary_ = temporary_name(target_);
        if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temporary_.c_str(), AT_SYMLINK_FOLLOW) == 0) return;
        const int error = errno;
        temporary_.clear();
        if (error != EEXIST) fail(target_, "cannot link the temporary file", error);
    }
    fail(target_, "cannot link the temporary file", EEXIST);
}

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> data) {
    AtomicFile file(path);
    file.write(data);
    file.commit();
}

RAIIAF_DETAIL_NAMESPACE_END
