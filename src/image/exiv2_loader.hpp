// The exiv2 plugin (libraiiaf_exiv2.so, interface in image/exiv2_plugin.h),
// found and loaded on first use. Looked for, in order: the file named by the
// environment variable RAIIAF_EXIV2_PLUGIN; beside the module holding this
// code (the CLI, the Python extension, libraiiaf.so); in ../lib/raiiaf/ (the
// build tree, an installed bin/), in the installed libdir's raiiaf/ seen from
// bin/, and in raiiaf/ (an installed libraiiaf.so) from there; in the
// libdir given at configure time.
#pragma once

#include <string>
#include <vector>

#include "image/exiv2_plugin.h"
#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

inline constexpr const char* kExiv2PluginFile = "libraiiaf_exiv2.so";

struct Exiv2Plugin {
    const raiiaf_exiv2_plugin* table = nullptr;
    // Why the plugin cannot be used (naming it and where it was looked for);
    // empty once loaded. Callers throw it as their own error.
    std::string error;
};

// Loaded on the first call (thread-safe), for the process's life.
[[nodiscard]] const Exiv2Plugin& loaded_exiv2_plugin();

// The places looked in, in order.
[[nodiscard]] std::vector<std::string> exiv2_plugin_candidates();

RAIIAF_DETAIL_NAMESPACE_END
