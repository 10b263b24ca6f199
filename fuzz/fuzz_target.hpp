// One fuzz target = one function from bytes to an outcome. The same source
// builds two ways:
//   - with RAIIAF_FUZZ_LIBFUZZER defined: a libFuzzer binary (the macro
//     defines LLVMFuzzerTestOneInput);
//   - without it: linked into raiiaf_fuzz_replay (replay_main.cpp), which
//     registers every target by name and feeds it corpus files, so the corpora
//     and tests/crashers run as ordinary ctest tests in every build.
//
// A target returns Outcome::accepted when the library took the input as
// valid and Outcome::rejected when the library refused it cleanly: with
// raiiaf::Error or one of the detail error types (CodecError, JsonTextError,
// ImageCheckError). Anything else escaping (std::bad_alloc,
// std::length_error, nlohmann exceptions, ...) is a finding: the harness
// prints it and aborts, which libFuzzer and the replay both report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <typeinfo>
#include <vector>

#include "codecs/zstd_codec.hpp"
#include "format/image.hpp"
#include "format/json_text.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/writer.hpp"

namespace raiiaf::fuzz {

enum class Outcome { accepted, rejected };

using TargetFunction = Outcome (*)(std::span<const std::byte>);

// A finding: print and abort (libFuzzer saves the input; the replay fails).
[[noreturn]] inline void finding(const std::string& what) {
    std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

// Runs `call` and maps the library's clean rejections to Outcome::rejected.
template <class Call>
Outcome clean(Call&& call) {
    try {
        call();
        return Outcome::accepted;
    } catch (const raiiaf::Error&) {
        return Outcome::rejected;
    } catch (const raiiaf::detail::CodecError&) {
        return Outcome::rejected;
    } catch (const raiiaf::detail::JsonTextError&) {
        return Outcome::rejected;
    } catch (const raiiaf::detail::ImageCheckError&) {
        return Outcome::rejected;
    } catch (const std::exception& e) {
        finding(std::string("unexpected exception escaped (") + typeid(e).name() + "): " + e.what());
    } catch (...) {
        finding("unexpected non-std exception escaped");
    }
}

// The writer's promise (docs/SECURITY.md): it refuses cleanly, or writes a
// file its own reader accepts. `content` gets fixed metadata and environment.
inline Outcome write_then_check(raiiaf::ArtifactContent content) {
    content.model.model_name = "m";
    content.model.version = "1";
    content.model.date = "2026-01-01T00:00:00.000000+00:00";
    content.environment = raiiaf::Environment{1, {{"os", "name=os;version=1"}}};
    std::vector<std::byte> file;
    if (clean([&] { file = raiiaf::encode(content); }) == Outcome::rejected) return Outcome::rejected;
    if (const raiiaf::CheckReport report = raiiaf::check_bytes(file); !report.ok())
        finding("the writer emitted a file its reader refuses: " + report.problems.front().message);
    return Outcome::accepted;
}

// Little helpers for targets that take parameters from the first input bytes.
class ByteReader {
public:
    explicit ByteReader(std::span<const std::byte> input) : input_(input) {}
    std::uint8_t u8() {
        if (input_.empty()) return 0;
        const auto value = static_cast<std::uint8_t>(input_.front());
        input_ = input_.subspan(1);
        return value;
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    [[nodiscard]] std::span<const std::byte> rest() const { return input_; }

private:
    std::span<const std::byte> input_;
};

#if !defined(RAIIAF_FUZZ_LIBFUZZER)
// The replay's registry (replay_main.cpp).
struct Registration {
    Registration(const char* name, TargetFunction function);
};
#endif

}  // namespace raiiaf::fuzz

#if defined(RAIIAF_FUZZ_LIBFUZZER)
#define RAIIAF_FUZZ_TARGET(name)                                                                   \
    static ::raiiaf::fuzz::Outcome raiiaf_fuzz_target_##name(std::span<const std::byte> input);   \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {            \
        (void)raiiaf_fuzz_target_##name(                                                           \
            std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));          \
        return 0;                                                                                  \
    }                                                                                              \
    static ::raiiaf::fuzz::Outcome raiiaf_fuzz_target_##name(std::span<const std::byte> input)
#else
#define RAIIAF_FUZZ_TARGET(name)                                                                   \
    static ::raiiaf::fuzz::Outcome raiiaf_fuzz_target_##name(std::span<const std::byte> input);   \
    static const ::raiiaf::fuzz::Registration raiiaf_fuzz_registration_##name(                     \
        #name, &raiiaf_fuzz_target_##name);                                                        \
    static ::raiiaf::fuzz::Outcome raiiaf_fuzz_target_##name(std::span<const std::byte> input)
#endif
