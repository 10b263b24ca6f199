#include "io/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(path.string() + ": " + std::strerror(errno));
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        const int error = errno;
        ::close(fd);
        throw IoError(path.string() + ": " + (S_ISREG(info.st_mode) ? std::strerror(error) : "not a regular file"));
    }
    const auto size = static_cast<std::size_t>(info.st_size);
    const std::byte* data = nullptr;
    if (size > 0) {
        void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapping == MAP_FAILED) {
            const int error = errno;
            ::close(fd);
            throw IoError(path.string() + ": cannot map: " + std::strerror(error));
        }
        data = static_cast<const std::byte*>(mapping);
    }
    ::close(fd);
    return std::shared_ptr<const MappedFile>(new MappedFile(data, size));
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

RAIIAF_DETAIL_NAMESPACE_END
