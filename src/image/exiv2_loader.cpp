#include "image/exiv2_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <memory>

#include "io/shared_library.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// The folder of the executable or shared object this code was linked into.
std::string own_module_directory() {
    Dl_info info{};
    std::string path;
    if (dladdr(reinterpret_cast<void*>(&own_module_directory), &info) != 0 && info.dli_fname != nullptr)
        path = info.dli_fname;
    if (path.find('/') == std::string::npos) path = "/proc/self/exe";  // the main program
    const std::unique_ptr<char, decltype(&std::free)> resolved(realpath(path.c_str(), nullptr), &std::free);
    if (resolved) path = resolved.get();
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace

std::vector<std::string> exiv2_plugin_candidates() {
    if (const char* chosen = std::getenv("RAIIAF_EXIV2_PLUGIN"); chosen != nullptr && *chosen != '\0')
        return {chosen};
    const std::string here = own_module_directory();
    std::vector<std::string> candidates = {here + "/" + kExiv2PluginFile, here + "/../lib/raiiaf/" + kExiv2PluginFile};
#ifdef RAIIAF_PLUGIN_DIR_FROM_BINDIR  // the installed layout's libdir, e.g. ../lib/x86_64-linux-gnu/raiiaf
    if (std::string(RAIIAF_PLUGIN_DIR_FROM_BINDIR) != "../lib/raiiaf")
        candidates.push_back(here + "/" + RAIIAF_PLUGIN_DIR_FROM_BINDIR + "/" + kExiv2PluginFile);
#endif
    candidates.push_back(here + "/raiiaf/" + kExiv2PluginFile);
#ifdef RAIIAF_PLUGIN_INSTALL_DIR
    candidates.push_back(std::string(RAIIAF_PLUGIN_INSTALL_DIR) + "/" + kExiv2PluginFile);
#endif
    return candidates;
}

const Exiv2Plugin& loaded_exiv2_plugin() {
    static const Exiv2Plugin plugin = [] {
        Exiv2Plugin result;
        const std::vector<std::string> candidates = exiv2_plugin_candidates();
        std::string looked_in;
        for (const std::string& candidate : candidates) {
            if (!looked_in.empty()) looked_in += ", ";
            looked_in += candidate;
            if (access(candidate.c_str(), F_OK) != 0) continue;
            SharedLibrary library(candidate, std::string("the exiv2 plugin ") + candidate);
            raiiaf_exiv2_plugin_entry entry = nullptr;
            library.bind(entry, RAIIAF_EXIV2_PLUGIN_ENTRY);
            if (!library.loaded()) {
                result.error = library.error();
                return result;
            }
            result.table = entry();
            if (result.table == nullptr)
                result.error = "the exiv2 plugin " + candidate + " cannot initialise exiv2";
            else if (result.table->abi_version != RAIIAF_EXIV2_PLUGIN_ABI)
                result.error = "the exiv2 plugin " + candidate + " has interface version " +
                               std::to_string(result.table->abi_version) + ", this build needs " +
                               std::to_string(RAIIAF_EXIV2_PLUGIN_ABI);
            if (!result.error.empty()) result.table = nullptr;
            return result;
        }
        result.error = std::string("EXIF and XMP need the exiv2 plugin ") + kExiv2PluginFile +
                       ", which is not installed (looked in " + looked_in + ")";
        return result;
    }();
    return plugin;
}

RAIIAF_DETAIL_NAMESPACE_END
