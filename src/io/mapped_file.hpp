// Read-only memory mapping of a whole file, safe against the file shrinking
// or failing to read while mapped.
//
// Touching a mapped page that the file no longer backs (truncated by another
// process) or that the disk cannot read raises SIGBUS, which would kill the
// process. A process-wide SIGBUS handler recognises addresses inside a live
// MappedFile, marks that mapping as faulted and maps a page of zeros over the
// faulting page, so the access completes; every read path then asks
// faulted() (throw_if_faulted()) and reports an IoError instead of using the
// zeros. SIGBUS at any other address goes to the handler installed before
// (or the default action). See docs/SECURITY.md for what zero-copy views
// handed to callers see after a fault.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

RAIIAF_DETAIL_NAMESPACE_BEGIN

class MappedFile {
public:
    // Throws IoError when the file cannot be opened or mapped, or is not a
    // regular file (a FIFO is refused without waiting for a writer).
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
    // True once a page could not be read; its bytes read as zeros since.
    [[nodiscard]] bool faulted() const noexcept;
    // Throws IoError naming the file when faulted().
    void throw_if_faulted() const;

private:
    MappedFile(const std::byte* data, std::size_t size, std::filesystem::path path, int slot)
        : data_(data), size_(size), path_(std::move(path)), slot_(slot) {}
    const std::byte* data_;
    std::size_t size_;
    std::filesystem::path path_;
    int slot_;  // in the SIGBUS handler's registry; -1 when read into memory instead
    std::unique_ptr<std::byte[]> copy_;  // the bytes, when no registry slot was free
};

// The live MappedFile (one the caller keeps alive) that `bytes` lie in, when
// it has faulted; null otherwise. One atomic load until the process sees its
// first fault.
[[nodiscard]] const MappedFile* faulted_mapping(std::span<const std::byte> bytes) noexcept;
// faulted_mapping() after touching every page of `bytes` that a live
// MappedFile holds, for after a failure that may come from them: write(2)
// from a page the file no longer backs fails with EFAULT instead of raising
// SIGBUS, so nothing has marked the mapping yet.
[[nodiscard]] const MappedFile* probe_mapping(std::span<const std::byte> bytes) noexcept;

RAIIAF_DETAIL_NAMESPACE_END
