// Crash-safe replacement of a file, the one implementation the library, the
// CLI and the Python package use.
//
// A temporary file is made in the target's directory (anonymous, O_TMPFILE,
// where the file system allows), written, fsynced, named and renamed over the
// target; then the directory is fsynced. A failure at any point (ENOSPC, EFBIG,
// EIO, a read-only file system) leaves the previous file intact and no
// temporary file behind.
//
// What "the target" is:
//   - a symlink is followed: the file it points to is replaced and the link stays;
//   - an existing target that is not a regular file (a FIFO, a device, a
//     directory) is refused with IoError, never replaced;
//   - the new file gets the old one's permission bits, except setuid, setgid
//     and sticky, which are never copied; a new file gets 0666 less the umask.
//
// Processes that set RLIMIT_FSIZE should ignore SIGXFSZ (the CLI and Python
// do) so that a write past the limit fails with EFBIG instead of killing them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace raiiaf {

class AtomicFile {
public:
    // Resolves the target and creates the temporary file. Throws IoError.
    explicit AtomicFile(const std::filesystem::path& target);
    // Removes the temporary file unless commit() succeeded.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::span<const std::byte> data);  // appends; throws IoError
    void write_at(std::uint64_t offset, std::span<const std::byte> data);
    [[nodiscard]] std::uint64_t size() const noexcept { return written_; }
    // The file that commit() replaces (the symlink's target, if it was one).
    [[nodiscard]] const std::filesystem::path& target() const noexcept { return target_; }
    // fsync, rename over the target, fsync the directory. Throws IoError.
    void commit();

private:
    void link_temporary();

    std::filesystem::path target_;
    std::filesystem::path temporary_;  // empty while the file is anonymous (O_TMPFILE)
    bool anonymous_ = false;
    int fd_ = -1;
    std::uint64_t written_ = 0;
    bool committed_ = false;
};

// Writes `data` to `path` atomically. Throws IoError.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> data);

// An exclusive advisory lock (flock) on an existing file for a
// read-modify-write: take it before reading, keep it until the replacement
// is committed. Concurrent updaters then run one after the other instead of
// losing each other's changes. Because the replacement is a new file, the
// lock re-checks after waiting that the path still names the file it locked
// and follows it to the new one if not. Throws IoError.
class UpdateLock {
public:
    explicit UpdateLock(const std::filesystem::path& path);
    ~UpdateLock();
    UpdateLock(const UpdateLock&) = delete;
    UpdateLock& operator=(const UpdateLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace raiiaf
