#include "env/nvml.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// The few NVML declarations we need (no NVML headers at build time). These
// match nvml.h: nvmlReturn_t is an int-sized enum whose success value is 0,
// nvmlDevice_t an opaque pointer, nvmlMemory_t three unsigned long longs.
using NvmlReturn = int;
constexpr NvmlReturn kNvmlSuccess = 0;
using NvmlDevice = struct NvmlDeviceOpaque*;
struct NvmlMemory {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
};
constexpr unsigned kDeviceNameBufferSize = 96;     // NVML_DEVICE_NAME_V2_BUFFER_SIZE
constexpr unsigned kDriverVersionBufferSize = 80;  // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE

using InitFn = NvmlReturn (*)();
using ShutdownFn = NvmlReturn (*)();
using GetCountFn = NvmlReturn (*)(unsigned*);
using GetHandleFn = NvmlReturn (*)(unsigned, NvmlDevice*);
using GetNameFn = NvmlReturn (*)(NvmlDevice, char*, unsigned);
using GetDriverVersionFn = NvmlReturn (*)(char*, unsigned);
using GetMemoryInfoFn = NvmlReturn (*)(NvmlDevice, NvmlMemory*);
using GetCudaDriverVersionFn = NvmlReturn (*)(int*);

struct NvmlFunctions {
    InitFn init = nullptr;
    ShutdownFn shutdown = nullptr;
    GetCountFn get_count = nullptr;
    GetHandleFn get_handle = nullptr;
    GetNameFn get_name = nullptr;
    GetDriverVersionFn get_driver_version = nullptr;
    GetMemoryInfoFn get_memory_info = nullptr;             // optional
    GetCudaDriverVersionFn get_cuda_driver_version = nullptr;  // optional
};

class LoadedLibrary {
public:
    explicit LoadedLibrary(const std::string& name)
        : handle_(dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
    // Leaves no dlerror() message behind: a missing NVML is not an error.
    ~LoadedLibrary() {
        if (handle_) dlclose(handle_);
        dlerror();
    }
    LoadedLibrary(const LoadedLibrary&) = delete;
    LoadedLibrary& operator=(const LoadedLibrary&) = delete;

    [[nodiscard]] bool loaded() const { return handle_ != nullptr; }

    template <typename Function>
    void bind(Function& target, const char* symbol) const {
        target = reinterpret_cast<Function>(dlsym(handle_, symbol));
    }

private:
    void* handle_;
};

std::string string_from_buffer(const char* buffer, std::size_t capacity) {
    std::size_t length = 0;
    while (length < capacity && buffer[length] != '\0') ++length;
    return std::string(buffer, length);
}

std::mutex override_mutex;
std::string library_override;

}  // namespace

std::string nvml_library_name() {
    {
        std::lock_guard lock(override_mutex);
        if (!library_override.empty()) return library_override;
    }
    if (const char* from_environment = secure_getenv("RAIIAF_NVML_LIBRARY");
        from_environment && *from_environment)
        return from_environment;
    return "libnvidia-ml.so.1";
}

void set_nvml_library_override(std::string library_path) {
    std::lock_guard lock(override_mutex);
    library_override = std::move(library_path);
}

std::optional<NvmlSnapshot> query_nvml(const std::string& library) {
    const LoadedLibrary nvml(library);
    if (!nvml.loaded()) return std::nullopt;

    NvmlFunctions fn;
    nvml.bind(fn.init, "nvmlInit_v2");
    nvml.bind(fn.shutdown, "nvmlShutdown");
    nvml.bind(fn.get_count, "nvmlDeviceGetCount_v2");
    nvml.bind(fn.get_handle, "nvmlDeviceGetHandleByIndex_v2");
    nvml.bind(fn.get_name, "nvmlDeviceGetName");
    nvml.bind(fn.get_driver_version, "nvmlSystemGetDriverVersion");
    nvml.bind(fn.get_memory_info, "nvmlDeviceGetMemoryInfo");
    nvml.bind(fn.get_cuda_driver_version, "nvmlSystemGetCudaDriverVersion");
    if (!fn.init || !fn.shutdown || !fn.get_count || !fn.get_handle || !fn.get_name ||
        !fn.get_driver_version)
        return std::nullopt;

    if (fn.init() != kNvmlSuccess) return std::nullopt;
    struct ShutdownOnExit {
        ShutdownFn shutdown;
        ~ShutdownOnExit() { shutdown(); }
    } shutdown_on_exit{fn.shutdown};

    NvmlSnapshot snapshot;
    char driver[kDriverVersionBufferSize] = {};
    if (fn.get_driver_version(driver, kDriverVersionBufferSize) != kNvmlSuccess)
        return std::nullopt;
    snapshot.driver_version = string_from_buffer(driver, sizeof driver);

    if (int cuda_version = 0; fn.get_cuda_driver_version &&
                              fn.get_cuda_driver_version(&cuda_version) == kNvmlSuccess)
        snapshot.cuda_driver_version = cuda_version;

    unsigned count = 0;
    if (fn.get_count(&count) != kNvmlSuccess) count = 0;
    for (unsigned index = 0; index < count; ++index) {
        NvmlDevice device = nullptr;
        if (fn.get_handle(index, &device) != kNvmlSuccess) continue;
        char name[kDeviceNameBufferSize] = {};
        if (fn.get_name(device, name, kDeviceNameBufferSize) != kNvmlSuccess) continue;
        NvmlGpu gpu;
        gpu.model = string_from_buffer(name, sizeof name);
        if (NvmlMemory memory{}; fn.get_memory_info &&
                                 fn.get_memory_info(device, &memory) == kNvmlSuccess) {
            gpu.memory_total = memory.total;
            gpu.memory_known = true;
        }
        snapshot.gpus.push_back(std::move(gpu));
    }
    return snapshot;
}

RAIIAF_DETAIL_NAMESPACE_END
