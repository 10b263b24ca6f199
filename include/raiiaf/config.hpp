// The C++ API's namespace and symbol export, in one place.
//
// Everything lives in raiiaf::v<MAJOR>_<MINOR>, an inline namespace: callers
// write raiiaf::Reader, but the linker sees the version, so two incompatible
// builds of the library linked into one program fail to link instead of
// mixing silently. The name follows project(VERSION) in CMakeLists.txt, which
// checks it at configure time; it changes with every minor version (the CMake package
// promises SameMinorVersion).
#pragma once

#include "raiiaf/export.h"

#define RAIIAF_ABI_NAMESPACE v1_2

#if defined(__GNUC__) || defined(__clang__)
#  define RAIIAF_VISIBILITY_PUSH_DEFAULT _Pragma("GCC visibility push(default)")
#  define RAIIAF_VISIBILITY_POP _Pragma("GCC visibility pop")
#else
#  define RAIIAF_VISIBILITY_PUSH_DEFAULT
#  define RAIIAF_VISIBILITY_POP
#endif

// The public API: declared between these in include/raiiaf/*.hpp (and defined
// between them in src/), and exported from a shared build.
#define RAIIAF_NAMESPACE_BEGIN \
    namespace raiiaf {         \
    inline namespace RAIIAF_ABI_NAMESPACE { RAIIAF_VISIBILITY_PUSH_DEFAULT
#define RAIIAF_NAMESPACE_END \
    RAIIAF_VISIBILITY_POP    \
    }                        \
    }

#if defined(__GNUC__) || defined(__clang__)
#  define RAIIAF_VISIBILITY_PUSH_HIDDEN _Pragma("GCC visibility push(hidden)")
#else
#  define RAIIAF_VISIBILITY_PUSH_HIDDEN
#endif

// Internals (src/): versioned like the rest, never exported. Hidden explicitly,
// so that an internal function defined inside a public block (a nested
// `namespace detail` in a .cpp file) stays hidden too: its declaration here wins.
#define RAIIAF_DETAIL_NAMESPACE_BEGIN       \
    namespace raiiaf {                      \
    inline namespace RAIIAF_ABI_NAMESPACE { \
    namespace detail {                      \
    RAIIAF_VISIBILITY_PUSH_HIDDEN
#define RAIIAF_DETAIL_NAMESPACE_END \
    RAIIAF_VISIBILITY_POP           \
    }                               \
    }                               \
    }
