// Replays corpus files through the fuzz targets without libFuzzer, so the
// corpora and tests/crashers run as ordinary ctest tests in every build (gcc
// included). Every input is also held to the resource bounds of
// docs/SECURITY.md: its wall time and its peak resident-memory growth
// (getrusage ru_maxrss, with the high-water mark reset before each input
// through /proc/self/clear_refs) must stay under the limits.
//
//   raiiaf_fuzz_replay --list
//   raiiaf_fuzz_replay --target NAME [--expect accepted|rejected|any]
//                      [--max-seconds S] [--max-rss-mb M] [--max-alloc-mb A] PATH...
//
// PATH is a file or a directory (read recursively, files starting with '.'
// skipped). Exit status 0 when every input met the expectation and the
// bounds; 1 otherwise; a finding aborts the process.
//
// Two guards keep a misbehaving input from taking the machine down with it:
// a watchdog ends the process when one input runs 10x past --max-seconds,
// and (outside AddressSanitizer, which reserves terabytes of address space)
// RLIMIT_DATA caps the process at --max-alloc-mb (default 1024) above what it
// had at start, so an oversized allocation throws std::bad_alloc, which the
// targets report as a finding. Under ASan, run with
// ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=1024 for the
// same effect (scripts/sanitize.sh does).
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_target.hpp"

namespace raiiaf::fuzz {

namespace {
std::map<std::string, TargetFunction>& registry() {
    static std::map<std::string, TargetFunction> targets;
    return targets;
}
}  // namespace

Registration::Registration(const char* name, TargetFunction function) { registry()[name] = function; }

}  // namespace raiiaf::fuzz

namespace {

namespace fs = std::filesystem;
using raiiaf::fuzz::Outcome;

std::vector<std::byte> read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    if (!chars.empty()) std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

void collect(const fs::path& path, std::vector<fs::path>& files) {
    if (fs::is_directory(path)) {
        for (const auto& entry : fs::recursive_directory_iterator(path)) {
            if (!entry.is_regular_file()) continue;
            if (entry.path().filename().string().starts_with(".")) continue;
            files.push_back(entry.path());
        }
    } else if (fs::exists(path)) {
        files.push_back(path);
    } else {
        throw std::runtime_error(path.string() + " does not exist");
    }
}

// Resets the peak-RSS high-water mark to the current RSS (Linux >= 4.0).
// Without it, ru_maxrss only grows, and growth is measured against the
// highest peak so far (an underestimate for later inputs, never an overestimate).
bool reset_peak_rss() {
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    const bool ok = std::fputs("5", f) >= 0;
    return std::fclose(f) == 0 && ok;
}

long long current_rss_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lld %lld", &size, &resident);
    std::fclose(f);
    return n == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

long long peak_rss_bytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<long long>(usage.ru_maxrss) * 1024;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// Caps the data segment (heap and private mappings, Linux >= 4.7) at `extra`
// bytes above its current size.
void cap_allocations(long long extra) {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return;
    char line[256];
    long long data_kb = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "VmData: %lld kB", &data_kb) == 1) break;
    std::fclose(f);
    if (data_kb < 0) return;
    const rlim_t limit = static_cast<rlim_t>(data_kb * 1024 + extra);
    rlimit current{};
    getrlimit(RLIMIT_DATA, &current);
    if (current.rlim_cur != RLIM_INFINITY && current.rlim_cur < limit) return;
    const rlimit wanted{limit, current.rlim_max};
    setrlimit(RLIMIT_DATA, &wanted);
}

// The file being replayed, for the watchdog's message.
char g_current[4096];

extern "C" void on_watchdog(int) {
    static const char prefix[] = "FAIL (watchdog: still running at 10x the time limit): ";
    [[maybe_unused]] auto n = write(2, prefix, sizeof prefix - 1);
    n = write(2, g_current, strnlen(g_current, sizeof g_current));
    n = write(2, "\n", 1);
    _exit(1);
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s --list\n"
                 "       %s --target NAME [--expect accepted|rejected|any] [--max-seconds S] [--max-rss-mb M] PATH...\n",
                 argv0, argv0);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string target;
    std::string expect = "any";
    double max_seconds = 1.0;
    double max_rss_mb = 256.0;
    double max_alloc_mb = 1024.0;
    std::vector<fs::path> paths;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--list") {
            for (const auto& [name, function] : raiiaf::fuzz::registry()) std::printf("%s\n", name.c_str());
            return 0;
        } else if (arg == "--target") {
            target = value();
        } else if (arg == "--expect") {
            expect = value();
        } else if (arg == "--max-seconds") {
            max_seconds = std::stod(value());
        } else if (arg == "--max-rss-mb") {
            max_rss_mb = std::stod(value());
        } else if (arg == "--max-alloc-mb") {
            max_alloc_mb = std::stod(value());
        } else if (arg.starts_with("--")) {
            return usage(argv[0]);
        } else {
            paths.emplace_back(arg);
        }
    }
    const auto found = raiiaf::fuzz::registry().find(target);
    if (found == raiiaf::fuzz::registry().end() || (expect != "any" && expect != "accepted" && expect != "rejected")) {
        if (!target.empty()) std::fprintf(stderr, "unknown target \"%s\" or expectation\n", target.c_str());
        return usage(argv[0]);
    }

    std::vector<fs::path> files;
    try {
        for (const auto& path : paths) collect(path, files);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
    std::sort(files.begin(), files.end());

    if (!kAddressSanitizer) cap_allocations(static_cast<long long>(max_alloc_mb * 1024 * 1024));
    std::signal(SIGALRM, on_watchdog);
    const unsigned watchdog_seconds = static_cast<unsigned>(max_seconds * 10) + 1;

    const bool precise = reset_peak_rss();
    int failures = 0;
    std::size_t accepted = 0;
    double slowest = 0;
    long long largest_growth = 0;
    std::string slowest_name, largest_name;
    for (const auto& file : files) {
        const std::vector<std::byte> bytes = read_all(file);
        // The bytes in a buffer of their own size, so ASan sees reads past the end.
        const std::unique_ptr<std::byte[]> exact(new std::byte[bytes.size() ? bytes.size() : 1]);
        if (!bytes.empty()) std::memcpy(exact.get(), bytes.data(), bytes.size());

        std::snprintf(g_current, sizeof g_current, "%s", file.c_str());
        alarm(watchdog_seconds);
        if (precise) reset_peak_rss();
        const long long before = precise ? current_rss_bytes() : peak_rss_bytes();
        const auto start = std::chrono::steady_clock::now();
        const Outcome outcome = found->second(std::span<const std::byte>(exact.get(), bytes.size()));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const long long growth = std::max(0LL, peak_rss_bytes() - before);
        alarm(0);

        accepted += outcome == Outcome::accepted;
        if (seconds > slowest) slowest = seconds, slowest_name = file.string();
        if (growth > largest_growth) largest_growth = growth, largest_name = file.string();
        const auto fail = [&](const std::string& why) {
            std::fprintf(stderr, "FAIL %s: %s\n", file.c_str(), why.c_str());
            ++failures;
        };
        if (expect == "rejected" && outcome != Outcome::rejected) fail("accepted, expected a clean rejection");
        if (expect == "accepted" && outcome != Outcome::accepted) fail("rejected, expected it to be accepted");
        if (seconds > max_seconds)
            fail("took " + std::to_string(seconds) + " s, the limit is " + std::to_string(max_seconds) + " s");
        if (static_cast<double>(growth) > max_rss_mb * 1024 * 1024)
            fail("grew the peak RSS by " + std::to_string(growth >> 20) + " MiB, the limit is " +
                 std::to_string(max_rss_mb) + " MiB");
    }
    std::printf("%s: %zu inputs, %zu accepted, %zu rejected, %d failed; slowest %.3f s (%s), largest RSS growth "
                "%.1f MiB (%s)%s\n",
                target.c_str(), files.size(), accepted, files.size() - accepted, failures, slowest,
                slowest_name.c_str(), static_cast<double>(largest_growth) / (1 << 20), largest_name.c_str(),
                precise ? "" : " [peak RSS not resettable: growth is a lower bound]");
    return failures == 0 ? 0 : 1;
}
