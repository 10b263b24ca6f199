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
#include <memory>
#include <span>
#include <vector>

#include "raiiaf/config.hpp"

RAIIAF_NAMESPACE_BEGIN

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
    // Allocates `size` bytes on disk now (fallocate; commit() trims the file
    // to what was written), for a file committed without fsync. One that
    // replaces another: ext4 otherwise starts writing a replacing file's
    // delayed blocks out inside rename() (its auto_da_alloc), which costs
    // more than writing the file. A new one of 512 KiB or more: delayed
    // allocation's work for every block then costs more than the call (on
    // ext4 with a journal, 1 MiB writes 25 % faster). Does nothing for
    // smaller new files or where the file system cannot.
    void reserve(std::uint64_t size) noexcept;
    [[nodiscard]] std::uint64_t size() const noexcept { return written_; }
    // The file that commit() replaces (the symlink's target, if it was one).
    [[nodiscard]] const std::filesystem::path& target() const noexcept { return target_; }
    // fsync, rename over the target, fsync the directory. Throws IoError.
    // Not durable: the same without the two fsyncs (for scratch output, or
    // when an AtomicBatch makes many files durable at once).
    void commit(bool durable = true);
    // The open file, for the batch's barrier.
    [[nodiscard]] int descriptor() const noexcept { return fd_; }

private:
    void link_temporary();
    bool link_as_target();

    std::filesystem::path target_;
    std::filesystem::path temporary_;  // empty while the file is anonymous (O_TMPFILE)
    bool anonymous_ = false;
    int fd_ = -1;
    std::uint64_t written_ = 0;
    std::uint64_t reserved_ = 0;
    bool replaces_ = false;  // the target existed when the file was opened
    bool committed_ = false;
};

// Writes `data` to `path` atomically (durably unless told). Throws IoError.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> data, bool durable = true);

// Many atomic replacements made durable together with two barriers (syncfs of
// each file system involved) instead of two fsyncs per file. Files added are
// written unnamed (or under temporary names) and no target is touched until
// commit(), which makes every file's data durable at once, renames each over
// its target, then makes the renames durable. Destroyed uncommitted, the
// batch leaves no file behind. Each added file holds a descriptor open until
// commit(): commit in batches of a few hundred.
class AtomicBatch {
public:
    AtomicBatch() = default;
    ~AtomicBatch();
    AtomicBatch(const AtomicBatch&) = delete;
    AtomicBatch& operator=(const AtomicBatch&) = delete;

    // A file written completely and not yet committed.
    void add(std::unique_ptr<AtomicFile> written);
    [[nodiscard]] std::size_t size() const noexcept { return files_.size(); }
    // Throws IoError. A failure may leave some targets replaced and others
    // not; each target is always either its old or its new complete file.
    void commit();

private:
    std::vector<std::unique_ptr<AtomicFile>> files_;
};

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

RAIIAF_NAMESPACE_END
