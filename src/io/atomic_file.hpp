// Crash-safe replacement of a file: write a temporary file in the target's
// directory (anonymous, O_TMPFILE, where the file system allows), fsync it,
// name it, rename it over the target, fsync the directory.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

RAIIAF_DETAIL_NAMESPACE_BEGIN

class AtomicFile {
public:
    // Creates the temporary file. Throws IoError.
    explicit AtomicFile(const std::filesystem::path& target);
    // Removes the temporary file unless commit() succeeded.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::span<const std::byte> data);  // appends; throws IoError
    void write_at(std::uint64_t offset, std::span<const std::byte> data);
    [[nodiscard]] std::uint64_t size() const noexcept { return written_; }
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

// Writes `data` to `path` atomically.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> data);

RAIIAF_DETAIL_NAMESPACE_END
