// GPUs through NVML, loaded at run time with dlopen. NVML is never a build or
// link dependency: when the library cannot be loaded or initialised there are
// no GPUs and no error.
#pragma once

#include "raiiaf/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct NvmlGpu {
    std::string model;                // nvmlDeviceGetName
    std::uint64_t memory_total = 0;   // nvmlDeviceGetMemoryInfo, bytes
    bool memory_known = false;
};

struct NvmlSnapshot {
    std::string driver_version;             // nvmlSystemGetDriverVersion
    std::optional<int> cuda_driver_version; // nvmlSystemGetCudaDriverVersion, e.g. 12040
    std::vector<NvmlGpu> gpus;              // in NVML index order
};

// The library opened: "libnvidia-ml.so.1" unless overridden, first by
// set_nvml_library_override(), then by the environment variable
// RAIIAF_NVML_LIBRARY (ignored in setuid processes).
[[nodiscard]] std::string nvml_library_name();

// For tests: load this file instead (empty: back to the default lookup).
// Does not drop the environment cache; call refresh_environment() after.
void set_nvml_library_override(std::string library_path);

// Loads `library`, initialises NVML, reads every GPU, shuts NVML down and
// unloads it. nullopt when the library is missing, lacks a function we call,
// or nvmlInit/nvmlSystemGetDriverVersion fails; a GPU whose handle or name
// cannot be read is skipped.
[[nodiscard]] std::optional<NvmlSnapshot> query_nvml(const std::string& library);

RAIIAF_DETAIL_NAMESPACE_END
