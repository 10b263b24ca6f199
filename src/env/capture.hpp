// Native capture of the environment: the canonical strings and where their
// values come from. Internal; tests call the builders with fixed inputs.
#pragma once

#include "raiiaf/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/env.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

// ---- canonical strings (docs/ENV_COMPONENTS.md lists every one) ----------

// Byte-identical to the existing package's strings.
[[nodiscard]] EnvComponent os_component(std::string_view system, std::string_view release);
[[nodiscard]] EnvComponent gpu_component(std::string_view model, std::string_view driver);

// Ours.
[[nodiscard]] EnvComponent gpu_memory_component(std::string_view model,
                                                std::uint64_t total_bytes);
// `cuda_driver_version` as NVML reports it: 1000 * major + 10 * minor.
[[nodiscard]] EnvComponent cuda_driver_component(int cuda_driver_version);
[[nodiscard]] EnvComponent cpu_component(std::string_view model, unsigned logical_cores);
[[nodiscard]] EnvComponent memory_component(std::uint64_t total_bytes);
[[nodiscard]] EnvComponent library_component(std::string_view id, std::string_view version);

// ---- sources ---------------------------------------------------------------

// The first "model name" value of /proc/cpuinfo text, trimmed; "unknown" when
// there is none (e.g. most ARM kernels).
[[nodiscard]] std::string cpu_model_from_cpuinfo(std::string_view cpuinfo_text);

// "1.0.0" (or "1.0.0.1" with a tweak) from zfp's packed library version.
[[nodiscard]] std::string zfp_version_from_packed(unsigned packed);

// Everything the library captures itself, in record order: os, gpu per GPU,
// gpu_memory per GPU, cuda_driver, cpu, memory, then the library versions.
// Uncached; current_environment() caches it.
[[nodiscard]] std::vector<EnvComponent> capture_native_components();
// True for the ids capture_native_components() may produce (whether or not
// this machine has one: no gpu component means no GPU seen).
[[nodiscard]] bool captured_component_id(std::string_view id) noexcept;

RAIIAF_DETAIL_NAMESPACE_END
