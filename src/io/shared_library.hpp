// Shared libraries loaded on first use (dlopen) instead of linked: a
// dependency that most runs never need costs the CLI nothing at start-up
// (docs/PERFORMANCE.md, "CLI start-up"). Each user keeps a table of the
// functions it calls, filled once; a library that cannot be loaded leaves a
// message naming it, which the user throws as its own typed error.
#pragma once

#include <string>

#include "raiiaf/config.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

class SharedLibrary {
public:
    // Opens `file` (a soname such as "libzfp.so.1", or a path) for the
    // process's life; `what` names it in messages ("zfp (Debian package libzfp1)").
    SharedLibrary(const std::string& file, const std::string& what);

    // Empty when loaded and every bound symbol was found; else why not.
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    [[nodiscard]] bool loaded() const noexcept { return error_.empty(); }

    // Sets `target` to the symbol's address (a function, or a variable when
    // Pointer is a data pointer); a missing symbol records an error.
    template <typename Pointer>
    void bind(Pointer& target, const char* symbol) {
        target = reinterpret_cast<Pointer>(address_of(symbol));
    }

private:
    void* address_of(const char* symbol);

    void* handle_ = nullptr;
    std::string what_;
    std::string error_;
};

RAIIAF_DETAIL_NAMESPACE_END
