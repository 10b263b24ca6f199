#include "io/mapped_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "raiiaf/bytes.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// The live mappings, for the signal handler: lock-free reads only there.
struct Slot {
    std::atomic<bool> used{false};
    std::atomic<std::uintptr_t> begin{0};
    std::atomic<std::uintptr_t> end{0};
    std::atomic<bool> faulted{false};
    std::atomic<const MappedFile*> owner{nullptr};
};
constexpr std::size_t kSlots = 4096;
std::array<Slot, kSlots> g_slots;
// Faults handled so far: until the first, no bytes need looking up.
std::atomic<unsigned> g_fault_count{0};
static_assert(std::atomic<unsigned>::is_always_lock_free && std::atomic<const MappedFile*>::is_always_lock_free,
              "the SIGBUS handler may only use lock-free atomics");

std::mutex g_install_mutex;
struct sigaction g_previous {};

void handle_sigbus(int signal, siginfo_t* info, void* context) {
    const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (Slot& slot : g_slots) {
        if (!slot.used.load(std::memory_order_acquire)) continue;
        if (address < slot.begin.load(std::memory_order_acquire) || address >= slot.end.load(std::memory_order_acquire))
            continue;
        slot.faulted.store(true, std::memory_order_release);
        g_fault_count.fetch_add(1, std::memory_order_release);
        const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
        const std::uintptr_t start = address & ~(page - 1);
        const std::uintptr_t end = (slot.end.load(std::memory_order_acquire) + page - 1) & ~(page - 1);
        // Zeros from here to the end of the mapping (a truncated file faults
        // once, not once per page); the access is retried on return.
        if (::mmap(reinterpret_cast<void*>(start), end - start, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0) != MAP_FAILED)
            return;
        break;
    }
    // Not ours: whoever handled SIGBUS before, or the default action.
    if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction != nullptr) {
        g_previous.sa_sigaction(signal, info, context);
        return;
    }
    if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != nullptr) {
        g_previous.sa_handler(signal);
        return;
    }
    // A fault re-executes the access on return and now dies of it; a SIGBUS
    // sent by kill() or raise() is sent again (it is blocked until we return).
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    ::sigaction(SIGBUS, &fallback, nullptr);
    if (info->si_code <= 0) ::raise(signal);
}

// Installed (again) whenever someone else has replaced it since, as Python's
// faulthandler does; their handler is then the one chained to.
void ensure_handler() {
    std::lock_guard lock(g_install_mutex);
    struct sigaction current {};
    ::sigaction(SIGBUS, nullptr, &current);
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == handle_sigbus) return;
    struct sigaction ours {};
    ours.sa_sigaction = handle_sigbus;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    ::sigaction(SIGBUS, &ours, &g_previous);
}

int claim_slot(const std::byte* data, std::size_t size, const MappedFile* owner) {
    for (std::size_t i = 0; i < kSlots; ++i) {
        bool expected = false;
        if (!g_slots[i].used.load(std::memory_order_relaxed) &&
            g_slots[i].used.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
            // begin/end first at 0: the handler ignores a half-filled slot.
            g_slots[i].faulted.store(false, std::memory_order_release);
            g_slots[i].owner.store(owner, std::memory_order_release);
            g_slots[i].end.store(reinterpret_cast<std::uintptr_t>(data) + size, std::memory_order_release);
            g_slots[i].begin.store(reinterpret_cast<std::uintptr_t>(data), std::memory_order_release);
            return static_cast<int>(i);
        }
    }
    return -1;
}

void release_slot(int index) {
    Slot& slot = g_slots[static_cast<std::size_t>(index)];
    slot.begin.store(0, std::memory_order_release);
    slot.end.store(0, std::memory_order_release);
    slot.owner.store(nullptr, std::memory_order_release);
    slot.used.store(false, std::memory_order_release);
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int error) {
    throw IoError(path.string() + ": " + what + (what.empty() ? "" : ": ") + std::strerror(error), error);
}

// The fallback when every registry slot is taken: the bytes, read with pread.
std::unique_ptr<std::byte[]> read_whole(int fd, std::size_t size, const std::filesystem::path& path) {
    auto bytes = std::make_unique<std::byte[]>(size);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, bytes.get() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(path, "cannot read", errno);
        if (n == 0) throw IoError(path.string() + ": the file shrank while it was read");
        done += static_cast<std::size_t>(n);
    }
    return bytes;
}

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) fail(path, "", errno);
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        const int error = errno;
        ::close(fd);
        if (S_ISREG(info.st_mode)) fail(path, "", error);
        throw IoError(path.string() + ": not a regular file");
    }
    const auto size = static_cast<std::size_t>(info.st_size);
    if (size == 0) {
        ::close(fd);
        return std::shared_ptr<const MappedFile>(new MappedFile(nullptr, 0, path, -1));
    }
    ensure_handler();
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
        const int error = errno;
        ::close(fd);
        fail(path, "cannot map", error);
    }
    const auto* data = static_cast<const std::byte*>(mapping);
    std::shared_ptr<MappedFile> file(new MappedFile(data, size, path, -1));
    file->slot_ = claim_slot(data, size, file.get());
    if (file->slot_ >= 0) {
        ::close(fd);
        return file;
    }
    ::munmap(mapping, size);
    try {
        file->copy_ = read_whole(fd, size, path);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    file->data_ = file->copy_.get();
    return file;
}

MappedFile::~MappedFile() {
    if (slot_ >= 0) {
        release_slot(slot_);
        ::munmap(const_cast<std::byte*>(data_), size_);
    }
}

bool MappedFile::faulted() const noexcept {
    return slot_ >= 0 && g_slots[static_cast<std::size_t>(slot_)].faulted.load(std::memory_order_acquire);
}

void MappedFile::throw_if_faulted() const {
    if (faulted())
        throw IoError(path_.string() +
                      ": the file could not be read while mapped (it was truncated or the device failed)");
}

namespace {
// The live mapping that holds `bytes`: as the caller keeps it alive, the slot
// whose range holds their address is that mapping's.
const MappedFile* mapping_holding(std::span<const std::byte> bytes) noexcept {
    const auto address = reinterpret_cast<std::uintptr_t>(bytes.data());
    for (const Slot& slot : g_slots) {
        if (slot.used.load(std::memory_order_acquire) && address >= slot.begin.load(std::memory_order_acquire) &&
            address < slot.end.load(std::memory_order_acquire))
            return slot.owner.load(std::memory_order_acquire);
    }
    return nullptr;
}
}  // namespace

const MappedFile* faulted_mapping(std::span<const std::byte> bytes) noexcept {
    if (g_fault_count.load(std::memory_order_acquire) == 0 || bytes.empty()) return nullptr;
    const MappedFile* owner = mapping_holding(bytes);
    return owner != nullptr && owner->faulted() ? owner : nullptr;
}

const MappedFile* probe_mapping(std::span<const std::byte> bytes) noexcept {
    if (bytes.empty() || mapping_holding(bytes) == nullptr) return nullptr;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const auto* first = reinterpret_cast<const volatile std::byte*>(reinterpret_cast<std::uintptr_t>(bytes.data()) &
                                                                    ~(std::uintptr_t{page} - 1));
    const auto* end = reinterpret_cast<const volatile std::byte*>(bytes.data() + bytes.size());
    for (const volatile std::byte* p = first; p < end; p += page) (void)*p;
    return faulted_mapping(bytes);
}

RAIIAF_DETAIL_NAMESPACE_END

RAIIAF_NAMESPACE_BEGIN

bool Bytes::intact() const noexcept { return detail::faulted_mapping(view_) == nullptr; }

Bytes map_file(const std::filesystem::path& path) {
    auto file = detail::MappedFile::open(path);
    const std::span<const std::byte> bytes = file->bytes();
    return Bytes(bytes, std::move(file));
}

RAIIAF_NAMESPACE_END
