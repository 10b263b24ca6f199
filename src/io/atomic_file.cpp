#include "raiiaf/atomic_write.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <string>

#include "raiiaf/errors.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {
[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error) {
    throw IoError(path.string() + ": " + what + (what.empty() ? "" : ": ") + std::strerror(error), error);
}

std::string random_suffix() {
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    // Seeded once per thread: a std::random_device per name cost more than
    // the rest of a small file's temporary name (the name only needs to be
    // unlikely to exist; collisions are retried).
    thread_local std::minstd_rand engine{std::random_device{}()};
    std::uniform_int_distribution<int> pick(0, sizeof(kChars) - 2);
    std::string suffix(8, 'x');
    for (auto& c : suffix) c = kChars[pick(engine)];
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

// A hidden name beside the target, unlikely to exist. The target's name is
// cut so that the whole stays within NAME_MAX (255 bytes) for any target name.
std::filesystem::path temporary_name(const std::filesystem::path& target) {
    constexpr std::size_t kKeptNameBytes = 200;
    const std::string name = target.filename().string().substr(0, kKeptNameBytes);
    return directory_of(target) / ("." + name + ".tmp-" + random_suffix());
}

// The file a write to `path` must replace: symlinks followed (relative ones
// against their own directory), so that the link itself survives.
std::filesystem::path resolve_symlinks(std::filesystem::path path) {
    constexpr int kMaxLinks = 40;  // as the kernel's ELOOP bound
    for (int hop = 0; hop < kMaxLinks; ++hop) {
        struct stat info {};
        if (::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return path;
        std::error_code error;
        const std::filesystem::path link = std::filesystem::read_symlink(path, error);
        if (error) fail(path, "cannot read the symbolic link", error.value());
        path = link.is_absolute() ? link : directory_of(path) / link;
    }
    fail(path, "cannot resolve the symbolic link", ELOOP);
}

// The open file's own name, for linkat to give an O_TMPFILE file a name.
std::string descriptor_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}
}  // namespace

AtomicFile::AtomicFile(const std::filesystem::path& target) : target_(resolve_symlinks(target)) {
    const std::filesystem::path directory = directory_of(target_);
    std::optional<mode_t> kept_mode;
    struct stat existing {};
    if (::stat(target_.c_str(), &existing) == 0) {
        if (!S_ISREG(existing.st_mode))
            throw IoError(target_.string() + ": refusing to replace " + kind_of(existing.st_mode) +
                              " (not a regular file; only regular files are written)",
                          S_ISDIR(existing.st_mode) ? EISDIR : EINVAL);
        kept_mode = existing.st_mode & 0777;  // never setuid, setgid or sticky
        replaces_ = true;
    }
    // An O_TMPFILE file has no name until commit() links it, so a process
    // killed while writing leaves nothing behind. Some file systems lack it.
    fd_ = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        fail(directory, "cannot create a temporary file", errno);
    anonymous_ = fd_ >= 0;
    for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
        temporary_ = temporary_name(target_);
        fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd_ < 0 && errno != EEXIST) fail(temporary_, "cannot create a temporary file", errno);
    }
    if (fd_ < 0) fail(temporary_, "cannot create a temporary file", EEXIST);
    // The target's permissions, not the umask's.
    if (kept_mode && ::fchmod(fd_, *kept_mode) != 0) {
        const int error = errno;
        ::close(fd_);
        fd_ = -1;
        if (!temporary_.empty()) ::unlink(temporary_.c_str());
        fail(target_, "cannot set the permissions of the temporary file", error);
    }
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

void AtomicFile::reserve(std::uint64_t size) noexcept {
    // A new file's blocks are worth allocating at once only when it is large:
    // fallocate costs ~20 us, delayed allocation a little for every block.
    constexpr std::uint64_t kReserveNewFrom = 512u << 10;
    if (size <= written_ || (!replaces_ && size < kReserveNewFrom)) return;

    // Optional: a file system without fallocate (or out of space, which the
    // writes then report) simply keeps delayed allocation.
    if (::fallocate(fd_, 0, 0, static_cast<off_t>(size)) == 0) reserved_ = size;
}

void AtomicFile::commit(bool durable) {
    if (reserved_ > written_ && ::ftruncate(fd_, static_cast<off_t>(written_)) != 0)
        fail(target_, "cannot set the file's size", errno);
    if (durable && ::fsync(fd_) != 0) fail(target_, "fsync failed", errno);
    if (!(anonymous_ && link_as_target())) {
        if (anonymous_) link_temporary();
        // Nothing between naming the file and the rename: a kill there leaves it behind.
        if (::rename(temporary_.c_str(), target_.c_str()) != 0) fail(target_, "cannot replace", errno);
    }
    committed_ = true;
    const int closed = ::close(fd_);
    fd_ = -1;
    if (closed != 0) fail(target_, "close failed", errno);
    if (!durable) return;
    const std::filesystem::path directory = directory_of(target_);
    const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {  // the rename is durable once the directory entry is
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

// A new target (none when the file was opened) gets the complete anonymous
// file's name directly: one directory operation instead of a temporary name
// and a rename. linkat never replaces, so a target made by someone else in
// the meantime makes it fail (EEXIST), and the file is then renamed over it
// as usual.
bool AtomicFile::link_as_target() {
    if (replaces_) return false;
    const std::string self = descriptor_path(fd_);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, target_.c_str(), AT_SYMLINK_FOLLOW) == 0) return true;
    if (errno != EEXIST) fail(target_, "cannot link the file", errno);
    return false;
}

// Names the O_TMPFILE file, only now that it is complete: a kill between this
// and the rename is the one moment a temporary file can be left behind.
void AtomicFile::link_temporary() {
    const std::string self = descriptor_path(fd_);
    for (int attempt = 0; attempt < 16; ++attempt) {
        temporary_ = temporary_name(target_);
        if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temporary_.c_str(), AT_SYMLINK_FOLLOW) == 0) return;
        const int error = errno;
        temporary_.clear();
        if (error != EEXIST) fail(target_, "cannot link the temporary file", error);
    }
    fail(target_, "cannot link the temporary file", EEXIST);
}

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> data, bool durable) {
    AtomicFile file(path);
    file.write(data);
    file.commit(durable);
}

namespace {

// One syncfs per file system among `paths` (files or folders): the barrier
// that makes everything written to it so far durable.
void sync_file_systems(const std::vector<std::filesystem::path>& paths) {
    std::vector<dev_t> synced;
    for (const auto& path : paths) {
        struct stat status {};
        if (::stat(path.c_str(), &status) != 0) fail(path, "cannot stat", errno);
        if (std::find(synced.begin(), synced.end(), status.st_dev) != synced.end()) continue;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) fail(path, "cannot open", errno);
        const int result = ::syncfs(fd);
        const int error = errno;
        ::close(fd);
        if (result != 0) fail(path, "syncfs failed", error);
        synced.push_back(status.st_dev);
    }
}

}  // namespace

AtomicBatch::~AtomicBatch() = default;

void AtomicBatch::add(std::unique_ptr<AtomicFile> written) { files_.push_back(std::move(written)); }

void AtomicBatch::commit() {
    std::vector<std::filesystem::path> folders;
    for (const auto& file : files_) {
        const std::filesystem::path folder = directory_of(file->target());
        if (std::find(folders.begin(), folders.end(), folder) == folders.end()) folders.push_back(folder);
    }
    sync_file_systems(folders);  // every file's contents, before any rename
    for (const auto& file : files_) file->commit(false);
    files_.clear();
    sync_file_systems(folders);  // the renames
}

UpdateLock::UpdateLock(const std::filesystem::path& path) {
    // Each replacement is a new inode: after waiting for the lock, make sure
    // the path still names the locked file, else lock the one it names now.
    for (;;) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) fail(path, "", errno);
        struct stat locked {};
        if (::fstat(fd, &locked) != 0 || !S_ISREG(locked.st_mode)) {
            const int error = errno;
            const bool regular = S_ISREG(locked.st_mode);
            ::close(fd);
            if (regular) fail(path, "cannot stat", error);
            throw IoError(path.string() + ": " + kind_of(locked.st_mode) + ", not a regular file");
        }
        int locked_result;
        do locked_result = ::flock(fd, LOCK_EX);
        while (locked_result != 0 && errno == EINTR);
        if (locked_result != 0) {
            const int error = errno;
            ::close(fd);
            fail(path, "cannot lock", error);
        }
        struct stat now {};
        if (::stat(path.c_str(), &now) == 0 && now.st_dev == locked.st_dev && now.st_ino == locked.st_ino) {
            fd_ = fd;
            return;
        }
        ::close(fd);
    }
}

UpdateLock::~UpdateLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

RAIIAF_NAMESPACE_END
