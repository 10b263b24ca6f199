// The environment record: canonical strings, the ENVC payload, the NVML path
// (against tests/nvml_standin), the cached capture, host components, drift.
#include <dlfcn.h>
#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "env/capture.hpp"
#include "env/nvml.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/version.hpp"

namespace {

using raiiaf::DriftEntry;
using raiiaf::DriftKind;
using raiiaf::EnvComponent;
using raiiaf::Environment;

constexpr const char* kMissingNvml = "/nonexistent/raiiaf-test/libnvidia-ml.so.1";

std::span<const std::byte> bytes_of(const std::string& text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

Environment parse(const std::string& text) { return raiiaf::parse_environment(bytes_of(text)); }

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> ids_of(const Environment& env) {
    std::vector<std::string> ids;
    for (const auto& component : env.components) ids.push_back(component.id);
    return ids;
}

std::vector<std::string> canonicals_with_id(const Environment& env, const std::string& id) {
    std::vector<std::string> values;
    for (const auto& component : env.components)
        if (component.id == id) values.push_back(component.canonical);
    return values;
}

// Every test starts from no host components, no NVML (so a machine with a GPU
// gives the same results) and an empty cache, and leaves it that way.
class EnvTest : public ::testing::Test {
protected:
    void SetUp() override { reset(); }
    void TearDown() override { reset(); }
    static void reset() {
        raiiaf::clear_host_components();
        raiiaf::detail::set_nvml_library_override(kMissingNvml);
        raiiaf::refresh_environment();
    }
};

// ---- canonical strings -------------------------------------------------------

TEST_F(EnvTest, OsAndGpuStringsMatchTheExistingPackage) {
    const EnvComponent os = raiiaf::detail::os_component("Linux", "6.18.44-fc-v657");
    EXPECT_EQ(os.id, "os");
    EXPECT_EQ(os.canonical, "name=os;version=Linux 6.18.44-fc-v657");
    // The digest the existing package stored for this string (vectors' env.json).
    EXPECT_EQ(os.digest_hex(), "8ebc84261be2e1485e899c149efe235685ae6cc8f1a833bef34dfa5fc57cb58e");

    const EnvComponent gpu = raiiaf::detail::gpu_component("NVIDIA H100 80GB HBM3", "550.54.15");
    EXPECT_EQ(gpu.id, "gpu");
    EXPECT_EQ(gpu.canonical, "name=gpu;model=NVIDIA H100 80GB HBM3;driver=550.54.15");
}

TEST_F(EnvTest, OurComponentsHaveFixedKeyOrder) {
    using namespace raiiaf::detail;
    EXPECT_EQ(cpu_component("AMD EPYC 7763 64-Core Processor", 16).canonical,
              "name=cpu;model=AMD EPYC 7763 64-Core Processor;logical_cores=16");
    EXPECT_EQ(memory_component(128ULL << 30).canonical, "name=memory;total_mib=131072");
    // Whole MiB, rounded down.
    EXPECT_EQ(memory_component((1ULL << 20) * 3 + 1023).canonical, "name=memory;total_mib=3");
    EXPECT_EQ(gpu_memory_component("NVIDIA H100 80GB HBM3", 85520809984ULL).canonical,
              "name=gpu_memory;model=NVIDIA H100 80GB HBM3;total_mib=81559");
    EXPECT_EQ(gpu_memory_component("X", 0).id, "gpu_memory");
    EXPECT_EQ(cuda_driver_component(12040).canonical, "name=cuda_driver;version=12.4");
    EXPECT_EQ(cuda_driver_component(11080).canonical, "name=cuda_driver;version=11.8");
    EXPECT_EQ(cuda_driver_component(12000).id, "cuda_driver");
    const EnvComponent zstd = library_component("zstd", "1.5.4");
    EXPECT_EQ(zstd.id, "zstd");
    EXPECT_EQ(zstd.canonical, "name=zstd;version=1.5.4");
}

TEST_F(EnvTest, DigestIsLowercaseHexSha256OfTheCanonicalString) {
    const EnvComponent python{"python", "name=python;version=3.11.2"};
    EXPECT_EQ(python.digest_hex(),
              "19fbff73c36145aa4515e0d802080b2f9a41c64adf44090217f1a5459f70162c");
    EXPECT_EQ(EnvComponent{}.digest_hex(),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(EnvTest, CpuModelComesFromTheFirstModelNameLine) {
    const std::string cpuinfo =
        "processor\t: 0\n"
        "vendor_id\t: GenuineIntel\n"
        "model\t\t: 143\n"
        "model name\t: Intel(R) Xeon(R) Platinum 8480+  \n"
        "stepping\t: 8\n"
        "\n"
        "processor\t: 1\n"
        "model name\t: Something Else\n";
    EXPECT_EQ(raiiaf::detail::cpu_model_from_cpuinfo(cpuinfo), "Intel(R) Xeon(R) Platinum 8480+");
    EXPECT_EQ(raiiaf::detail::cpu_model_from_cpuinfo("model name: Last Line No Newline"),
              "Last Line No Newline");
    // "model" alone is not "model name"; ARM kernels have no model name at all.
    EXPECT_EQ(raiiaf::detail::cpu_model_from_cpuinfo("model\t\t: 143\nCPU part\t: 0xd0c\n"),
              "unknown");
    EXPECT_EQ(raiiaf::detail::cpu_model_from_cpuinfo(""), "unknown");
}

TEST_F(EnvTest, ZfpPackedVersionDecodes) {
    EXPECT_EQ(raiiaf::detail::zfp_version_from_packed(0x1000), "1.0.0");
    EXPECT_EQ(raiiaf::detail::zfp_version_from_packed(0x0551), "0.5.5.1");
}

// ---- the ENVC payload ----------------------------------------------------------

TEST_F(EnvTest, VectorEnvJsonRoundTripsByteForByte) {
    const std::filesystem::path expected = std::filesystem::path(RAIIAF_VECTORS_DIR) / "expected";
    ASSERT_TRUE(std::filesystem::is_directory(expected)) << expected;
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(expected)) {
        const auto env_json = entry.path() / "env.json";
        if (!std::filesystem::exists(env_json)) continue;
        SCOPED_TRACE(env_json.string());
        const std::string original = read_file(env_json);
        const Environment env = parse(original);
        EXPECT_EQ(env.env_version, 1);
        EXPECT_EQ(ids_of(env), (std::vector<std::string>{"torch", "numpy", "python", "cuda", "os"}));
        EXPECT_EQ(env.components.front().canonical, "name=torch;version=1.13.0a0;cuda=None");
        EXPECT_EQ(raiiaf::serialize_environment(env), original);
        ++checked;
    }
    EXPECT_EQ(checked, 8);
}

TEST_F(EnvTest, SerializeWritesPythonJsonDumpsIndent2) {
    const Environment env{1, {{"os", "name=os;version=Linux 6.1.0"}}};
    EXPECT_EQ(raiiaf::serialize_environment(env),
              "{\n"
              "  \"env_version\": 1,\n"
              "  \"components\": [\n"
              "    {\n"
              "      \"component_id\": \"os\",\n"
              "      \"cononical_str\": \"name=os;version=Linux 6.1.0\",\n"
              "      \"component_sha256_digest\": "
              "\"" + env.components[0].digest_hex() + "\"\n"
              "    }\n"
              "  ]\n"
              "}");
    EXPECT_EQ(raiiaf::serialize_environment(Environment{}),
              "{\n  \"env_version\": 1,\n  \"components\": []\n}");
}

TEST_F(EnvTest, SerializeEscapesLikePythonEnsureAscii) {
    // Python: json.dumps("M\u00fcller \U0001F600\x7f\t\"\\/") ->
    // "M\u00fcller \ud83d\ude00\u007f\t\"\\/"
    const Environment env{1, {{"gen", "M\xC3\xBCller \xF0\x9F\x98\x80\x7F\t\"\\/"}}};
    const std::string text = raiiaf::serialize_environment(env);
    EXPECT_NE(text.find(R"("cononical_str": "M\u00fcller \ud83d\ude00\u007f\t\"\\/")"),
              std::string::npos)
        << text;
    EXPECT_EQ(parse(text), env);
}

TEST_F(EnvTest, RoundTripsAnyEnvironment) {
    Environment env;
    env.env_version = 3;
    env.components = {{"torch", "name=torch;version=2.3.0;cuda=12.1"},
                      {"gpu", "name=gpu;model=A;driver=1"},
                      {"gpu", "name=gpu;model=A;driver=1"},
                      {"gpu", "name=gpu;model=B;driver=1"},
                      {"empty", ""},
                      {"\xE6\x97\xA5\xE6\x9C\xAC", "name=\xE6\x97\xA5;v=\n"}};
    EXPECT_EQ(parse(raiiaf::serialize_environment(env)), env);
}

TEST_F(EnvTest, SerializeRefusesInvalidUtf8) {
    const Environment env{1, {{"bad", "name=bad;v=\xFF"}}};
    EXPECT_THROW((void)raiiaf::serialize_environment(env), raiiaf::InvalidArgument);
}

TEST_F(EnvTest, ParseAcceptsUppercaseDigestsAndUnknownKeys) {
    const EnvComponent os{"os", "name=os;version=Linux 6.1.0"};
    std::string digest = os.digest_hex();
    std::transform(digest.begin(), digest.end(), digest.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const std::string text = R"({"env_version": 1, "writer": {"x": [1]}, "components": [
        {"component_id": "os", "cononical_str": "name=os;version=Linux 6.1.0",
         "component_sha256_digest": ")" + digest + R"(", "note": null}]})";
    EXPECT_EQ(parse(text), (Environment{1, {os}}));
}

// parse_environment remembers recent payloads: a repeated one gives the same
// result, a changed byte or tighter JSON limits are parsed (and refused) anew.
TEST_F(EnvTest, RepeatedPayloadsParseAlikeAndChangesAreNotServedFromMemory) {
    const EnvComponent os{"os", "name=os;version=Linux 6.1.0"};
    const std::string text = R"({"env_version": 1, "components": [{"component_id": "os", )"
                             R"("cononical_str": "name=os;version=Linux 6.1.0", "component_sha256_digest": ")" +
                             os.digest_hex() + R"("}]})";
    for (int round = 0; round < 3; ++round) EXPECT_EQ(parse(text), (Environment{1, {os}}));
    std::string changed = text;
    changed[changed.find("6.1.0")] = '7';  // the digest no longer matches the string
    EXPECT_THROW((void)parse(changed), raiiaf::EnvChunkError);
    raiiaf::Limits shallow;
    shallow.max_json_depth = 2;  // the payload nests three levels
    EXPECT_THROW((void)raiiaf::parse_environment(bytes_of(text), shallow), raiiaf::EnvChunkError);
    raiiaf::Limits few_values;
    few_values.max_json_values = 3;
    EXPECT_THROW((void)raiiaf::parse_environment(bytes_of(text), few_values), raiiaf::EnvChunkError);
    EXPECT_EQ(parse(text), (Environment{1, {os}}));
}

TEST_F(EnvTest, ParseRejectsMalformedPayloads) {
    const std::string good_digest = EnvComponent{"os", "x"}.digest_hex();
    const auto component = [&](const std::string& fields) {
        return R"({"env_version": 1, "components": [{)" + fields + "}]}";
    };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"empty payload", ""},
        {"truncated", R"({"env_version": 1, "components": [)"},
        {"not JSON", "env_version=1"},
        {"array at top", "[]"},
        {"missing env_version", R"({"components": []})"},
        {"env_version a string", R"({"env_version": "1", "components": []})"},
        {"env_version a float", R"({"env_version": 1.5, "components": []})"},
        {"env_version negative", R"({"env_version": -1, "components": []})"},
        {"missing components", R"({"env_version": 1})"},
        {"components an object", R"({"env_version": 1, "components": {}})"},
        {"component not an object", R"({"env_version": 1, "components": ["os"]})"},
        {"missing component_id",
         component(R"("cononical_str": "x", "component_sha256_digest": ")" + good_digest + "\"")},
        {"missing cononical_str",
         component(R"("component_id": "os", "component_sha256_digest": ")" + good_digest + "\"")},
        {"correctly spelled key only",
         component(R"("component_id": "os", "canonical_str": "x", "component_sha256_digest": ")" +
                   good_digest + "\"")},
        {"missing digest", component(R"("component_id": "os", "cononical_str": "x")")},
        {"id not a string",
         component(R"("component_id": 7, "cononical_str": "x", "component_sha256_digest": ")" +
                   good_digest + "\"")},
        {"digest not a string",
         component(R"("component_id": "os", "cononical_str": "x", "component_sha256_digest": 5)")},
        {"digest mismatch",
         component(R"("component_id": "os", "cononical_str": "y", "component_sha256_digest": ")" +
                   good_digest + "\"")},
        {"digest truncated",
         component(R"("component_id": "os", "cononical_str": "x", "component_sha256_digest": ")" +
                   good_digest.substr(0, 63) + "\"")},
        {"nested too deep", std::string(100, '[') + std::string(100, ']')},
    };
    for (const auto& [name, text] : cases) {
        SCOPED_TRACE(name);
        EXPECT_THROW((void)parse(text), raiiaf::EnvChunkError);
    }
    // The sanity case: the same builder with a good component parses.
    EXPECT_NO_THROW((void)parse(component(
        R"("component_id": "os", "cononical_str": "x", "component_sha256_digest": ")" +
        good_digest + "\"")));
}

TEST_F(EnvTest, ParseErrorsSayWhere) {
    try {
        (void)parse(R"({"env_version": 1, "components": [{"component_id": "os",
            "cononical_str": "y", "component_sha256_digest": "00"}]})");
        FAIL() << "no exception";
    } catch (const raiiaf::EnvChunkError& e) {
        EXPECT_EQ(e.where().chunk_type, "ENVC");
        EXPECT_EQ(e.where().json_path, "/components/0/component_sha256_digest");
        EXPECT_NE(std::string(e.what()).find("'os'"), std::string::npos) << e.what();
    }
}

// ---- NVML ------------------------------------------------------------------------

#ifdef RAIIAF_NVML_STANDIN

// Opens the stand-in here too: dlopen hands the library the same instance,
// so its counters can be read after the capture closed its own handle.
class StandinControls {
public:
    StandinControls() : handle_(dlopen(RAIIAF_NVML_STANDIN, RTLD_NOW | RTLD_LOCAL)) {}
    ~StandinControls() {
        if (handle_) {
            set_fail_init(0);
            dlclose(handle_);
        }
    }
    [[nodiscard]] bool loaded() const { return handle_ != nullptr; }
    int init_depth() const { return call<int (*)()>("standin_init_depth")(); }
    int init_calls() const { return call<int (*)()>("standin_init_calls")(); }
    void set_fail_init(int fail) const { call<void (*)(int)>("standin_set_fail_init")(fail); }

private:
    template <typename Function>
    Function call(const char* name) const {
        return reinterpret_cast<Function>(dlsym(handle_, name));
    }
    void* handle_;
};

TEST_F(EnvTest, NvmlStandinReportsTwoGpusAndIsShutDown) {
    StandinControls controls;
    ASSERT_TRUE(controls.loaded()) << dlerror();
    const int calls_before = controls.init_calls();

    const auto snapshot = raiiaf::detail::query_nvml(RAIIAF_NVML_STANDIN);
    ASSERT_TRUE(snapshot.has_value());
    EXPECT_EQ(snapshot->driver_version, "550.54.15");
    ASSERT_TRUE(snapshot->cuda_driver_version.has_value());
    EXPECT_EQ(*snapshot->cuda_driver_version, 12040);
    ASSERT_EQ(snapshot->gpus.size(), 2u);
    EXPECT_EQ(snapshot->gpus[0].model, "Fake GPU Alpha 24GB");
    EXPECT_TRUE(snapshot->gpus[0].memory_known);
    EXPECT_EQ(snapshot->gpus[0].memory_total, 24ULL << 30);
    EXPECT_EQ(snapshot->gpus[1].model, "Fake GPU Beta");
    EXPECT_EQ(snapshot->gpus[1].memory_total, (16ULL << 30) + (512ULL << 20));

    EXPECT_EQ(controls.init_calls(), calls_before + 1);
    EXPECT_EQ(controls.init_depth(), 0) << "nvmlShutdown was not called";
}

TEST_F(EnvTest, NvmlInitFailureMeansNoGpus) {
    StandinControls controls;
    ASSERT_TRUE(controls.loaded()) << dlerror();
    controls.set_fail_init(1);
    EXPECT_FALSE(raiiaf::detail::query_nvml(RAIIAF_NVML_STANDIN).has_value());
    EXPECT_EQ(controls.init_depth(), 0);

    raiiaf::detail::set_nvml_library_override(RAIIAF_NVML_STANDIN);
    raiiaf::refresh_environment();
    const Environment env = raiiaf::current_environment();
    EXPECT_TRUE(canonicals_with_id(env, "gpu").empty());
    EXPECT_TRUE(canonicals_with_id(env, "cuda_driver").empty());
}

TEST_F(EnvTest, CapturedEnvironmentListsStandinGpusAfterOs) {
    raiiaf::detail::set_nvml_library_override(RAIIAF_NVML_STANDIN);
    raiiaf::refresh_environment();
    const Environment env = raiiaf::current_environment();
    const std::vector<std::string> ids = ids_of(env);
    const std::vector<std::string> expected_ids = {
        "os", "gpu", "gpu", "gpu_memory", "gpu_memory", "cuda_driver", "cpu", "memory",
        "raiiaf", "zstd", "zfp", "openssl", "spng"};
    EXPECT_EQ(ids, expected_ids);
    EXPECT_EQ(canonicals_with_id(env, "gpu"),
              (std::vector<std::string>{"name=gpu;model=Fake GPU Alpha 24GB;driver=550.54.15",
                                        "name=gpu;model=Fake GPU Beta;driver=550.54.15"}));
    EXPECT_EQ(canonicals_with_id(env, "gpu_memory"),
              (std::vector<std::string>{"name=gpu_memory;model=Fake GPU Alpha 24GB;total_mib=24576",
                                        "name=gpu_memory;model=Fake GPU Beta;total_mib=16896"}));
    EXPECT_EQ(canonicals_with_id(env, "cuda_driver"),
              (std::vector<std::string>{"name=cuda_driver;version=12.4"}));

    // Dropping the override and refreshing drops the GPUs again.
    raiiaf::detail::set_nvml_library_override(kMissingNvml);
    raiiaf::refresh_environment();
    EXPECT_TRUE(canonicals_with_id(raiiaf::current_environment(), "gpu").empty());
}

#else
TEST_F(EnvTest, NvmlStandinNotBuilt) { GTEST_SKIP() << "tests/nvml_standin was not built"; }
#endif

TEST_F(EnvTest, MissingOrForeignNvmlLibraryMeansNoGpusQuickly) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(raiiaf::detail::query_nvml(kMissingNvml).has_value());
    EXPECT_FALSE(raiiaf::detail::query_nvml("libraiiaf-no-such-library.so.1").has_value());
    // Loads, but exports no NVML functions.
    EXPECT_FALSE(raiiaf::detail::query_nvml("libc.so.6").has_value());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    std::cout << "[ info ] three failed NVML lookups took "
              << std::chrono::duration<double, std::micro>(elapsed).count() << " us\n";
    EXPECT_EQ(dlerror(), nullptr) << "a failed load left a dlerror message behind";
}

TEST_F(EnvTest, NvmlLibraryNameDefaultsAndOverrides) {
    raiiaf::detail::set_nvml_library_override("");
    const char* saved = std::getenv("RAIIAF_NVML_LIBRARY");
    const std::string saved_value = saved ? saved : "";
    unsetenv("RAIIAF_NVML_LIBRARY");
    EXPECT_EQ(raiiaf::detail::nvml_library_name(), "libnvidia-ml.so.1");
    setenv("RAIIAF_NVML_LIBRARY", "/opt/x/libnvidia-ml.so.1", 1);
    EXPECT_EQ(raiiaf::detail::nvml_library_name(), "/opt/x/libnvidia-ml.so.1");
    raiiaf::detail::set_nvml_library_override("/tmp/standin.so");
    EXPECT_EQ(raiiaf::detail::nvml_library_name(), "/tmp/standin.so");
    if (saved) setenv("RAIIAF_NVML_LIBRARY", saved_value.c_str(), 1);
    else unsetenv("RAIIAF_NVML_LIBRARY");
}

// ---- the captured environment ----------------------------------------------------

TEST_F(EnvTest, CapturesOsCpuMemoryAndLibraryVersions) {
    const Environment env = raiiaf::current_environment();
    EXPECT_EQ(env.env_version, 1);
    EXPECT_EQ(ids_of(env), (std::vector<std::string>{"os", "cpu", "memory", "raiiaf", "zstd",
                                                     "zfp", "openssl", "spng"}));

    utsname names{};
    ASSERT_EQ(uname(&names), 0);
    EXPECT_EQ(env.components[0].canonical,
              std::string("name=os;version=") + names.sysname + " " + names.release);

    const std::string cpu = env.components[1].canonical;
    EXPECT_TRUE(cpu.starts_with("name=cpu;model=")) << cpu;
    EXPECT_TRUE(cpu.ends_with(";logical_cores=" + std::to_string(sysconf(_SC_NPROCESSORS_ONLN))))
        << cpu;
    EXPECT_EQ(cpu.find("model=;"), std::string::npos) << cpu;

    const std::string memory = env.components[2].canonical;
    ASSERT_TRUE(memory.starts_with("name=memory;total_mib=")) << memory;
    EXPECT_GT(std::stoull(memory.substr(std::string("name=memory;total_mib=").size())), 0u);

    EXPECT_EQ(env.components[3].canonical,
              "name=raiiaf;version=" + std::string(raiiaf::library_version()));
    for (std::size_t i = 4; i < env.components.size(); ++i) {
        const auto& component = env.components[i];
        const std::string prefix = "name=" + component.id + ";version=";
        EXPECT_TRUE(component.canonical.starts_with(prefix)) << component.canonical;
        EXPECT_GT(component.canonical.size(), prefix.size()) << component.canonical;
        EXPECT_EQ(component.canonical.find(' '), std::string::npos) << component.canonical;
    }
    // Every captured component survives its own payload.
    EXPECT_EQ(parse(raiiaf::serialize_environment(env)), env);
}

TEST_F(EnvTest, RecordsNoHostUserOrPath) {
    const std::string payload = raiiaf::serialize_environment(raiiaf::current_environment());
    std::vector<std::string> private_values;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) private_values.emplace_back(host);
    if (const passwd* user = getpwuid(getuid())) {
        private_values.emplace_back(user->pw_name);
        private_values.emplace_back(user->pw_dir);
    }
    if (const char* home = std::getenv("HOME")) private_values.emplace_back(home);
    private_values.push_back(std::filesystem::current_path().string());
    for (const std::string& value : private_values) {
        if (value.size() < 4) continue;  // too short to tell from version text
        EXPECT_EQ(payload.find(value), std::string::npos) << "payload contains " << value;
    }
}

TEST_F(EnvTest, CaptureIsCachedUntilRefreshed) {
    const Environment first = raiiaf::current_environment();
    EXPECT_EQ(raiiaf::current_environment(), first);

#ifdef RAIIAF_NVML_STANDIN
    // Changing the NVML library does not show until the cache is dropped.
    raiiaf::detail::set_nvml_library_override(RAIIAF_NVML_STANDIN);
    EXPECT_EQ(raiiaf::current_environment(), first);
    raiiaf::refresh_environment();
    EXPECT_EQ(canonicals_with_id(raiiaf::current_environment(), "gpu").size(), 2u);
#endif
}

TEST_F(EnvTest, HostComponentsComeFirstAndWinById) {
    const Environment native = raiiaf::current_environment();  // captured before the host sets
    raiiaf::set_host_component({"torch", "name=torch;version=2.3.0;cuda=12.1"});
    raiiaf::set_host_component({"numpy", "name=numpy;version=1.26.4"});
    raiiaf::set_host_component({"python", "name=python;version=3.11.2"});
    raiiaf::set_host_component({"cuda", "name=cuda;version=12.1"});
    raiiaf::set_host_component({"os", "name=os;version=Host Says"});

    Environment env = raiiaf::current_environment();
    std::vector<std::string> expected = {"torch", "numpy", "python", "cuda", "os"};
    for (const auto& component : native.components)
        if (component.id != "os") expected.push_back(component.id);
    EXPECT_EQ(ids_of(env), expected);
    EXPECT_EQ(canonicals_with_id(env, "os"), (std::vector<std::string>{"name=os;version=Host Says"}));

    // Replacing keeps the position.
    raiiaf::set_host_component({"numpy", "name=numpy;version=2.0.0"});
    env = raiiaf::current_environment();
    EXPECT_EQ(env.components[1], (EnvComponent{"numpy", "name=numpy;version=2.0.0"}));
    EXPECT_EQ(ids_of(env), expected);

    // Host components survive a refresh; clearing them brings back the capture.
    raiiaf::refresh_environment();
    EXPECT_EQ(raiiaf::current_environment().components.front().id, "torch");
    raiiaf::clear_host_components();
    EXPECT_EQ(raiiaf::current_environment(), native);

    EXPECT_THROW(raiiaf::set_host_component({"", "name=;version=1"}), raiiaf::InvalidArgument);
}

TEST_F(EnvTest, ConcurrentCallersSeeOneEnvironment) {
    const Environment reference = raiiaf::current_environment();
    raiiaf::refresh_environment();
    std::vector<std::thread> threads;
    std::vector<Environment> seen(8);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        threads.emplace_back([&seen, i] {
            for (int round = 0; round < 50; ++round) {
                if (i == 0 && round % 10 == 0) raiiaf::refresh_environment();
                seen[i] = raiiaf::current_environment();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& env : seen) EXPECT_EQ(env, reference);
}

TEST_F(EnvTest, CaptureCostIsSmall) {
    using Clock = std::chrono::steady_clock;
    raiiaf::refresh_environment();
    auto start = Clock::now();
    const Environment env = raiiaf::current_environment();
    const double first_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    start = Clock::now();
    const std::string payload = raiiaf::serialize_environment(raiiaf::current_environment());
    const double cached_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    // Informational only: speed is measured in bench/.
    std::cout << "[ info ] first capture " << first_us << " us; cached capture + serialize "
              << cached_us << " us (" << env.components.size() << " components, "
              << payload.size() << " bytes)\n";
    EXPECT_FALSE(env.components.empty());
}

// ---- drift -------------------------------------------------------------------------

Environment python_style(const std::string& os_release) {
    return Environment{1,
                       {{"torch", "name=torch;version=1.13.0a0;cuda=None"},
                        {"numpy", "name=numpy;version=1.24.2"},
                        {"python", "name=python;version=3.11.2"},
                        {"cuda", "name=cuda;version=none"},
                        {"os", "name=os;version=Linux " + os_release}}};
}

TEST_F(EnvTest, SameEnvironmentHasNoDrift) {
    const Environment env = python_style("6.1.0");
    EXPECT_TRUE(raiiaf::compare_environments(env, env).empty());
    EXPECT_TRUE(raiiaf::compare_environments(Environment{}, Environment{}).empty());
}

TEST_F(EnvTest, DriftReportsEveryKind) {
    Environment file = python_style("6.1.0");
    Environment here = python_style("6.18.44-fc-v657");
    file.components.push_back({"generator", "name=generator;version=1"});  // only in the file
    here.components.erase(here.components.begin());                          // torch not here
    here.components.push_back({"cpu", "name=cpu;model=X;logical_cores=2"});  // only here

    file.components.push_back({"gpu", "name=gpu;model=A;driver=550"});      // captured: none here is real
    // Only a difference in what both sides observed is drift: torch and the
    // generator are not observable here (not captured, not set by a host),
    // cpu is not recorded in the file.
    const std::vector<DriftEntry> expected = {
        {"os", "name=os;version=Linux 6.1.0", "name=os;version=Linux 6.18.44-fc-v657",
         DriftKind::changed},
        {"gpu", "name=gpu;model=A;driver=550", "", DriftKind::missing_here},
    };
    EXPECT_EQ(raiiaf::compare_environments(file, here), expected);
    const auto detail = raiiaf::compare_environments_in_detail(file, here);
    EXPECT_EQ(detail.drift, expected);
    EXPECT_EQ(detail.not_checked, (std::vector<std::string>{"torch", "generator"}));
    EXPECT_EQ(detail.not_recorded, (std::vector<std::string>{"cpu"}));

    EXPECT_EQ(raiiaf::drift_kind_name(DriftKind::changed), "changed");
    EXPECT_EQ(raiiaf::drift_kind_name(DriftKind::missing_in_file), "missing_in_file");
    EXPECT_EQ(raiiaf::drift_kind_name(DriftKind::missing_here), "missing_here");
}

TEST_F(EnvTest, GpusCompareAsLists) {
    const EnvComponent a{"gpu", "name=gpu;model=A;driver=550"};
    const EnvComponent b{"gpu", "name=gpu;model=B;driver=550"};
    const EnvComponent c{"gpu", "name=gpu;model=C;driver=550"};
    const EnvComponent a_new_driver{"gpu", "name=gpu;model=A;driver=560"};
    const EnvComponent os{"os", "name=os;version=Linux 6.1.0"};

    // Another enumeration order is no drift.
    EXPECT_TRUE(raiiaf::compare_environments({1, {os, a, b}}, {1, {b, os, a}}).empty());
    // Two identical GPUs are two, not one.
    EXPECT_EQ(raiiaf::compare_environments({1, {a, a}}, {1, {a}}),
              (std::vector<DriftEntry>{{"gpu", a.canonical, "", DriftKind::missing_here}}));
    EXPECT_EQ(raiiaf::compare_environments({1, {a}}, {1, {a, a}}),
              (std::vector<DriftEntry>{{"gpu", "", a.canonical, DriftKind::missing_in_file}}));
    // Equal strings pair first; the one that differs is `changed`, not missing.
    EXPECT_EQ(raiiaf::compare_environments({1, {a, b}}, {1, {b, c}}),
              (std::vector<DriftEntry>{{"gpu", a.canonical, c.canonical, DriftKind::changed}}));
    // Left-overs pair in order, the rest is missing.
    EXPECT_EQ(raiiaf::compare_environments({1, {a, b}}, {1, {a_new_driver, c, c}}),
              (std::vector<DriftEntry>{
                  {"gpu", a.canonical, a_new_driver.canonical, DriftKind::changed},
                  {"gpu", b.canonical, c.canonical, DriftKind::changed},
                  {"gpu", "", c.canonical, DriftKind::missing_in_file}}));
    EXPECT_EQ(raiiaf::compare_environments({1, {os, a, b}}, {1, {os}}),
              (std::vector<DriftEntry>{{"gpu", a.canonical, "", DriftKind::missing_here},
                                       {"gpu", b.canonical, "", DriftKind::missing_here}}));
}

TEST_F(EnvTest, VectorAgainstThisMachineDriftsOnlyWhereItShould) {
    const std::string text =
        read_file(std::filesystem::path(RAIIAF_VECTORS_DIR) / "expected/r1_f32_raw/env.json");
    const Environment file = parse(text);
    // The Python package on this machine would set the same host components.
    for (std::size_t i = 0; i < 4; ++i) raiiaf::set_host_component(file.components[i]);
    const Environment here = raiiaf::current_environment();
    const auto report = raiiaf::compare_environments(file, here);

    const std::string file_os = file.components[4].canonical;
    const std::string here_os = canonicals_with_id(here, "os").at(0);
    // What the existing package does not record (cpu, memory, raiiaf, ...) is
    // not recorded, not drift: only the os can differ.
    for (const DriftEntry& entry : report) {
        EXPECT_EQ(entry.component_id, "os");
        EXPECT_EQ(entry.kind, DriftKind::changed);
        EXPECT_EQ(entry.file_value, file_os);
        EXPECT_EQ(entry.current_value, here_os);
    }
    EXPECT_EQ(report.size(), file_os == here_os ? 0u : 1u);
    EXPECT_EQ(raiiaf::compare_environments_in_detail(file, here).not_recorded.size(), here.components.size() - 5);
}

}  // namespace
