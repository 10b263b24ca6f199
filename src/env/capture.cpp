#include "env/capture.hpp"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <zstd.h>

#include <optional>

#include "codecs/zfp_codec.hpp"
#include "env/nvml.hpp"
#include "format/spng_library.hpp"
#include "raiiaf/version.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

constexpr std::uint64_t kBytesPerMib = 1024 * 1024;

EnvComponent make_component(std::string id, std::string canonical) {
    return EnvComponent{std::move(id), std::move(canonical)};
}

std::string_view trim(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(kSpace);
    return text.substr(first, last - first + 1);
}

// The "model name" value of a complete cpuinfo line, if the line is one.
std::optional<std::string_view> model_name_value(std::string_view line) {
    constexpr std::string_view kKey = "model name";
    if (!line.starts_with(kKey)) return std::nullopt;
    std::string_view rest = line.substr(kKey.size());
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos || !trim(rest.substr(0, colon)).empty())
        return std::nullopt;
    return trim(rest.substr(colon + 1));
}

// Reads /proc/cpuinfo only until the first complete "model name" line: the
// whole file can be hundreds of kilobytes on large machines, and the kernel
// builds it as it is read.
std::string read_cpuinfo_head() {
    constexpr std::size_t kChunk = 4096;
    constexpr std::size_t kLimit = 64 * 1024;
    std::string text;
    const int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return text;
    while (text.size() < kLimit) {
        const std::size_t old_size = text.size();
        text.resize(old_size + kChunk);
        const ssize_t got = read(fd, text.data() + old_size, kChunk);
        text.resize(old_size + (got > 0 ? static_cast<std::size_t>(got) : 0));
        if (got <= 0) break;
        const auto key = text.find("model name");
        if (key != std::string::npos && text.find('\n', key) != std::string::npos) break;
    }
    close(fd);
    return text;
}

unsigned online_logical_cores() {
    const long count = sysconf(_SC_NPROCESSORS_ONLN);
    return count > 0 ? static_cast<unsigned>(count) : 0;
}

std::uint64_t physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

}  // namespace

EnvComponent os_component(std::string_view system, std::string_view release) {
    return make_component("os", "name=os;version=" + std::string(system) + " " +
                                    std::string(release));
}

EnvComponent gpu_component(std::string_view model, std::string_view driver) {
    return make_component("gpu", "name=gpu;model=" + std::string(model) +
                                     ";driver=" + std::string(driver));
}

EnvComponent gpu_memory_component(std::string_view model, std::uint64_t total_bytes) {
    return make_component("gpu_memory", "name=gpu_memory;model=" + std::string(model) +
                                            ";total_mib=" +
                                            std::to_string(total_bytes / kBytesPerMib));
}

EnvComponent cuda_driver_component(int cuda_driver_version) {
    const int major = cuda_driver_version / 1000;
    const int minor = (cuda_driver_version % 1000) / 10;
    return make_component("cuda_driver", "name=cuda_driver;version=" + std::to_string(major) +
                                             "." + std::to_string(minor));
}

EnvComponent cpu_component(std::string_view model, unsigned logical_cores) {
    return make_component("cpu", "name=cpu;model=" + std::string(model) +
                                     ";logical_cores=" + std::to_string(logical_cores));
}

EnvComponent memory_component(std::uint64_t total_bytes) {
    return make_component("memory",
                          "name=memory;total_mib=" + std::to_string(total_bytes / kBytesPerMib));
}

EnvComponent library_component(std::string_view id, std::string_view version) {
    return make_component(std::string(id),
                          "name=" + std::string(id) + ";version=" + std::string(version));
}

std::string cpu_model_from_cpuinfo(std::string_view cpuinfo_text) {
    while (!cpuinfo_text.empty()) {
        const auto end = cpuinfo_text.find('\n');
        const std::string_view line = cpuinfo_text.substr(0, end);
        if (const auto value = model_name_value(line); value && !value->empty())
            return std::string(*value);
        if (end == std::string_view::npos) break;
        cpuinfo_text.remove_prefix(end + 1);
    }
    return "unknown";
}

std::string zfp_version_from_packed(unsigned packed) {
    const unsigned major = (packed >> 12) & 0xF;
    const unsigned minor = (packed >> 8) & 0xF;
    const unsigned patch = (packed >> 4) & 0xF;
    const unsigned tweak = packed & 0xF;
    std::string version =
        std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    if (tweak != 0) version += "." + std::to_string(tweak);
    return version;
}

bool captured_component_id(std::string_view id) noexcept {
    for (std::string_view captured : {"os", "gpu", "gpu_memory", "cuda_driver", "cpu", "memory", "raiiaf", "zstd", "zfp",
                                      "openssl", "spng"})
        if (id == captured) return true;
    return false;
}

std::vector<EnvComponent> capture_native_components() {
    std::vector<EnvComponent> components;

    if (utsname names{}; uname(&names) == 0)
        components.push_back(os_component(names.sysname, names.release));

    if (const auto nvml = query_nvml(nvml_library_name())) {
        for (const NvmlGpu& gpu : nvml->gpus)
            components.push_back(gpu_component(gpu.model, nvml->driver_version));
        for (const NvmlGpu& gpu : nvml->gpus)
            if (gpu.memory_known)
                components.push_back(gpu_memory_component(gpu.model, gpu.memory_total));
        if (nvml->cuda_driver_version)
            components.push_back(cuda_driver_component(*nvml->cuda_driver_version));
    }

    components.push_back(
        cpu_component(cpu_model_from_cpuinfo(read_cpuinfo_head()), online_logical_cores()));
    components.push_back(memory_component(physical_memory_bytes()));

    components.push_back(library_component("raiiaf", library_version()));
    components.push_back(library_component("zstd", ZSTD_versionString()));
    // zfp and libspng are loaded on first use: one that cannot be loaded is not recorded.
    if (const auto zfp = loaded_zfp_version()) components.push_back(library_component("zfp", zfp_version_from_packed(*zfp)));
    components.push_back(library_component("openssl", OpenSSL_version(OPENSSL_VERSION_STRING)));
    if (const Spng& spng = loaded_spng(); spng.error.empty())
        components.push_back(library_component("spng", spng.spng_version_string()));
    return components;
}

RAIIAF_DETAIL_NAMESPACE_END
