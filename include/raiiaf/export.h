/* RAIIAF_API marks what the library exports. It is usable from C and C++.
 *
 * The library is compiled with hidden symbol visibility, so a shared build
 * (RAIIAF_SHARED=ON) exports exactly the public API: the C functions in
 * raiiaf/raiiaf.h, marked RAIIAF_API one by one, and everything the C++
 * headers declare between RAIIAF_NAMESPACE_BEGIN and RAIIAF_NAMESPACE_END
 * (raiiaf/config.hpp). In a static build the marks change nothing. */
#ifndef RAIIAF_EXPORT_H
#define RAIIAF_EXPORT_H

#if defined(_WIN32)
#  if defined(RAIIAF_BUILDING_SHARED)
#    define RAIIAF_API __declspec(dllexport)
#  elif defined(RAIIAF_USING_SHARED)
#    define RAIIAF_API __declspec(dllimport)
#  else
#    define RAIIAF_API
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define RAIIAF_API __attribute__((visibility("default")))
#else
#  define RAIIAF_API
#endif

#endif /* RAIIAF_EXPORT_H */
