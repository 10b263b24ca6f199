// The libm functions the CLI's statically linked code refers to, defined here
// so that the CLI does not need libm.so at start-up: each loads libm on its
// first call and calls libm's own function, so results and errno are libm's.
// Loading libm with the process cost 0.09 ms of every `raiiaf info` (13 % of
// /bin/true; docs/PERFORMANCE.md, "CLI start-up"), mostly for sqlite3's SQL
// math functions, which take these functions' addresses, and which the CLI
// rarely runs. Built only with RAIIAF_CLI_STATIC_DEPENDENCIES (a shared
// libstdc++ needs libm anyway) and outside the unity build: no header that
// declares these functions may be seen here. tests/cli checks that libm is
// not in the CLI's NEEDED list, so a new reference to libm shows up there:
// add it below.
#include <dlfcn.h>
#include <unistd.h>

namespace {

[[noreturn]] void fail(const char* what) {
    const char* reason = dlerror();
    const auto say = [](const char* text) {
        size_t length = 0;
        while (text[length] != '\0') ++length;
        (void)!write(2, text, length);
    };
    say("raiiaf: ");
    say(what);
    say(": ");
    say(reason ? reason : "unknown error");
    say("\n");
    _exit(1);
}

void* libm_function(const char* name) {
    static void* const libm = [] {
        void* handle = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
        if (!handle) fail("cannot load libm.so.6");
        return handle;
    }();
    void* function = dlsym(libm, name);  // the default version, the one a link against libm binds
    if (!function) fail("libm.so.6 lacks a function");
    return function;
}

template <class Function>
Function* from_libm(const char* name) {
    return reinterpret_cast<Function*>(libm_function(name));
}

}  // namespace

#define RAIIAF_LIBM_FUNCTION(name, result, parameters, arguments)                   \
    extern "C" result name parameters {                                            \
        static const auto function = from_libm<result parameters>(#name);          \
        return function arguments;                                                 \
    }
#define RAIIAF_LIBM_1(name) RAIIAF_LIBM_FUNCTION(name, double, (double x), (x))
#define RAIIAF_LIBM_2(name) RAIIAF_LIBM_FUNCTION(name, double, (double x, double y), (x, y))

RAIIAF_LIBM_1(acos)
RAIIAF_LIBM_1(acosh)
RAIIAF_LIBM_1(asin)
RAIIAF_LIBM_1(asinh)
RAIIAF_LIBM_1(atan)
RAIIAF_LIBM_2(atan2)
RAIIAF_LIBM_1(atanh)
RAIIAF_LIBM_1(cos)
RAIIAF_LIBM_1(cosh)
RAIIAF_LIBM_1(exp)
RAIIAF_LIBM_2(fmod)
RAIIAF_LIBM_1(log)
RAIIAF_LIBM_2(pow)
RAIIAF_LIBM_2(remainder)
RAIIAF_LIBM_1(sin)
RAIIAF_LIBM_1(sinh)
RAIIAF_LIBM_1(sqrt)
RAIIAF_LIBM_1(tan)
RAIIAF_LIBM_1(tanh)
RAIIAF_LIBM_1(trunc)
RAIIAF_LIBM_FUNCTION(fegetround, int, (), ())
RAIIAF_LIBM_FUNCTION(fesetround, int, (int mode), (mode))
