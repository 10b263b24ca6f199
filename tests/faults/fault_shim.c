/* LD_PRELOAD shim for the fault-injection suite (tests/faults/fault_test.sh):
 * it makes real I/O faults happen at chosen moments, where no failing disk is
 * at hand.
 *
 *   RAIIAF_FAULT_TRUNCATE_ON_MAP=SUFFIX  right after a file whose path ends in
 *       SUFFIX is memory-mapped, a second process truncates it to a quarter of
 *       its size and exits, so that the mapped pages past the new end raise
 *       SIGBUS when read (as a concurrent truncation or a failing disk does).
 *   RAIIAF_FAULT_FAIL_READ=SUFFIX  read(2)/pread(2) on a file whose path ends
 *       in SUFFIX fail with EIO.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int path_of(int fd, char* path, size_t size) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, path, size - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    return 1;
}

static int matches(int fd, const char* variable, char* path, size_t size) {
    const char* suffix = getenv(variable);
    if (suffix == NULL || *suffix == '\0' || fd < 0 || !path_of(fd, path, size)) return 0;
    const size_t length = strlen(path), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(path + length - suffix_length, suffix) == 0;
}

void* mmap(void* address, size_t length, int protection, int flags, int fd, off_t offset) {
    static void* (*real_mmap)(void*, size_t, int, int, int, off_t);
    if (real_mmap == NULL) real_mmap = (void* (*)(void*, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
    void* result = real_mmap(address, length, protection, flags, fd, offset);
    char path[4096];
    if (result != MAP_FAILED && matches(fd, "RAIIAF_FAULT_TRUNCATE_ON_MAP", path, sizeof path)) {
        struct stat info;
        if (fstat(fd, &info) == 0) {
            const pid_t child = fork();
            if (child == 0) _exit(truncate(path, info.st_size / 4) == 0 ? 0 : 1);
            if (child > 0) waitpid(child, NULL, 0);
        }
    }
    return result;
}

ssize_t read(int fd, void* buffer, size_t count) {
    static ssize_t (*real_read)(int, void*, size_t);
    if (real_read == NULL) real_read = (ssize_t (*)(int, void*, size_t))dlsym(RTLD_NEXT, "read");
    char path[4096];
    if (matches(fd, "RAIIAF_FAULT_FAIL_READ", path, sizeof path)) {
        errno = EIO;
        return -1;
    }
    return real_read(fd, buffer, count);
}

ssize_t pread(int fd, void* buffer, size_t count, off_t offset) {
    static ssize_t (*real_pread)(int, void*, size_t, off_t);
    if (real_pread == NULL) real_pread = (ssize_t (*)(int, void*, size_t, off_t))dlsym(RTLD_NEXT, "pread");
    char path[4096];
    if (matches(fd, "RAIIAF_FAULT_FAIL_READ", path, sizeof path)) {
        errno = EIO;
        return -1;
    }
    return real_pread(fd, buffer, count, offset);
}

ssize_t pread64(int fd, void* buffer, size_t count, off_t offset) { return pread(fd, buffer, count, offset); }
