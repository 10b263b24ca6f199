// tools/libm_on_first_use.cpp, as the CLI links it: libm is not loaded at
// start-up, each function gives libm's result, and the first call loads libm.
#include <dlfcn.h>

#include <cerrno>
#include <cfenv>
#include <cmath>
#include <cstdio>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what);
        ++failures;
    }
}

bool libm_loaded() {
    void* handle = dlopen("libm.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (handle) dlclose(handle);
    return handle != nullptr;
}

// Through a volatile, so that the compiler computes nothing at compile time.
volatile double half = 0.5, one = 1.0, two = 2.0, three = 3.0, seven = 7.0, minus_one = -1.0;

}  // namespace

int main() {
#if defined(__SANITIZE_ADDRESS__)
    // The sanitizer runtime (libasan) needs libm itself, so it is loaded
    // before main here: only the functions' results are checked in that build.
    std::puts("libm_on_first_use: ASan build, libm is loaded by the sanitizer runtime; not checking when");
    expect(std::acos(one) == 0.0, "acos");
#else
    expect(!libm_loaded(), "libm is not loaded at start-up");
    expect(std::acos(one) == 0.0, "acos");
    expect(libm_loaded(), "the first call loads libm");
#endif
    expect(std::acosh(one) == 0.0, "acosh");
    expect(std::abs(std::asin(half) - M_PI / 6) < 1e-15, "asin");
    expect(std::asinh(0.0 * one) == 0.0, "asinh");
    expect(std::abs(std::atan(one) - M_PI / 4) < 1e-15, "atan");
    expect(std::abs(std::atan2(one, minus_one) - 3 * M_PI / 4) < 1e-15, "atan2");
    expect(std::abs(std::atanh(half) - 0.5493061443340549) < 1e-15, "atanh");
    expect(std::cos(0.0 * one) == 1.0, "cos");
    expect(std::cosh(0.0 * one) == 1.0, "cosh");
    expect(std::abs(std::exp(one) - M_E) < 1e-15, "exp");
    expect(std::fmod(seven, three) == 1.0, "fmod");
    expect(std::abs(std::log(two) - M_LN2) < 1e-15, "log");
    expect(std::pow(two, 10.0 * one) == 1024.0, "pow");
    expect(std::remainder(seven, 4.0 * one) == -1.0, "remainder");
    expect(std::abs(std::sin(half) - 0.479425538604203) < 1e-15, "sin");
    expect(std::sinh(0.0 * one) == 0.0, "sinh");
    expect(std::sqrt(two * two) == 2.0, "sqrt");
    expect(std::abs(std::tan(one) - 1.5574077246549023) < 1e-15, "tan");
    expect(std::tanh(0.0 * one) == 0.0, "tanh");
    expect(std::trunc(-1.5 * one) == -1.0, "trunc");
    errno = 0;
    expect(std::isnan(std::log(minus_one)) && errno == EDOM, "log sets errno as libm does");
    expect(std::fegetround() == FE_TONEAREST, "fegetround");
    expect(std::fesetround(FE_UPWARD) == 0 && std::fegetround() == FE_UPWARD, "fesetround");
    std::fesetround(FE_TONEAREST);
    return failures == 0 ? 0 : 1;
}
