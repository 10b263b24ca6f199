// Read-only memory mapping of a whole file.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

RAIIAF_DETAIL_NAMESPACE_BEGIN

class MappedFile {
public:
    // Throws IoError when the file cannot be opened or mapped.
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

private:
    MappedFile(const std::byte* data, std::size_t size) : data_(data), size_(size) {}
    const std::byte* data_;
    std::size_t size_;
};

RAIIAF_DETAIL_NAMESPACE_END
