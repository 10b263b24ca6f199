#include "io/shared_library.hpp"

#include <dlfcn.h>

RAIIAF_DETAIL_NAMESPACE_BEGIN

SharedLibrary::SharedLibrary(const std::string& file, const std::string& what) : what_(what) {
    handle_ = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed: its functions stay in tables
    if (handle_ == nullptr) {
        const char* why = dlerror();
        error_ = what + " cannot be loaded: " + (why ? why : file + ": unknown error");
    }
}

void* SharedLibrary::address_of(const char* symbol) {
    if (handle_ == nullptr) return nullptr;
    void* address = dlsym(handle_, symbol);
    if (address == nullptr && error_.empty()) error_ = what_ + " lacks the symbol " + symbol;
    return address;
}

RAIIAF_DETAIL_NAMESPACE_END
