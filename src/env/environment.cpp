// The ENVC payload, the cached capture, host components and drift.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "env/capture.hpp"
#include "env/environment_json.hpp"
#include "format/json_text.hpp"
#include "format/sha256.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {

[[noreturn]] void fail(const std::string& reason, std::string json_path = {}) {
    ErrorLocation where;
    where.chunk_type = "ENVC";
    where.json_path = std::move(json_path);
    throw EnvChunkError("environment chunk: " + reason, std::move(where));
}

const Json& require_member(const Json& object, const char* key,
                                   const std::string& object_path) {
    const auto found = object.find(key);
    if (found == object.end()) fail(std::string("missing key \"") + key + "\"", object_path);
    return *found;
}

std::string require_string(const Json& object, const char* key,
                           const std::string& object_path) {
    const Json& value = require_member(object, key, object_path);
    if (!value.is_string()) fail(std::string("\"") + key + "\" is not a string",
                                 object_path + "/" + key);
    return value.get<std::string>();
}

bool equal_ignoring_hex_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return (c >= 'A' && c <= 'F') ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

struct EnvironmentCache {
    std::mutex mutex;
    std::optional<std::vector<EnvComponent>> native;  // captured once, until refreshed
    std::vector<EnvComponent> host;                   // in the order first set
};

EnvironmentCache& cache() {
    static EnvironmentCache instance;
    return instance;
}

}  // namespace

std::string EnvComponent::digest_hex() const { return detail::sha256_hex(canonical); }

std::string serialize_environment(const Environment& env) {
    try {
        return detail::dump_python_json(detail::environment_to_json(env));
    } catch (const detail::JsonTextError& e) {
        throw InvalidArgument(std::string("environment component is not valid UTF-8: ") +
                              e.what());
    }
}

RAIIAF_NAMESPACE_END
RAIIAF_DETAIL_NAMESPACE_BEGIN

Json environment_to_json(const Environment& env) {
    Json components = Json::array();
    for (const EnvComponent& component : env.components) {
        Json entry = Json::object();
        entry["component_id"] = component.id;
        entry["cononical_str"] = component.canonical;
        entry["component_sha256_digest"] = component.digest_hex();
        components.push_back(std::move(entry));
    }
    Json document = Json::object();
    document["env_version"] = env.env_version;
    document["components"] = std::move(components);
    return document;
}

Environment environment_from_json(const Json& document) {
    if (!document.is_object()) fail("the payload is not a JSON object");

    Environment env;
    const Json& version = require_member(document, "env_version", "");
    if (!version.is_number_integer()) fail("\"env_version\" is not an integer", "/env_version");
    const auto version_value = version.get<std::int64_t>();
    if (version_value < 0 || version_value > INT32_MAX)
        fail("\"env_version\" is out of range", "/env_version");
    env.env_version = static_cast<int>(version_value);

    const Json& components = require_member(document, "components", "");
    if (!components.is_array()) fail("\"components\" is not an array", "/components");
    env.components.reserve(components.size());
    for (std::size_t index = 0; index < components.size(); ++index) {
        const std::string path = "/components/" + std::to_string(index);
        const Json& entry = components[index];
        if (!entry.is_object()) fail("component is not an object", path);
        EnvComponent component;
        component.id = require_string(entry, "component_id", path);
        component.canonical = require_string(entry, "cononical_str", path);
        const std::string digest = require_string(entry, "component_sha256_digest", path);
        if (!equal_ignoring_hex_case(digest, component.digest_hex()))
            fail("digest of component '" + component.id + "' does not match its string",
                 path + "/component_sha256_digest");
        env.components.push_back(std::move(component));
    }
    return env;
}

RAIIAF_DETAIL_NAMESPACE_END
RAIIAF_NAMESPACE_BEGIN

namespace {

Environment parse_environment_payload(std::span<const std::byte> payload, const Limits& limits) {
    const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
    Json document;
    try {
        document = detail::parse_json(text, limits);
    } catch (const detail::JsonTextError& e) {
        fail(e.what());
    }
    return detail::environment_from_json(document);
}

}  // namespace

// ENVC payloads repeat: every file written in one environment carries the same
// bytes, and parsing them (bounded JSON, a SHA-256 per component) costs more
// than the rest of a small file's read. The last few payloads parsed on this
// thread (a RAIIAF file has two: its ENVC chunk and the manifest's part) are
// remembered with the JSON limits they were parsed under (smaller ones could
// refuse them); a byte-identical payload gets the same result without a parse.
Environment parse_environment(std::span<const std::byte> payload, const Limits& limits) {
    struct Parsed {
        std::vector<std::byte> payload;
        Limits limits;
        Environment env;
    };
    constexpr std::size_t kRemembered = 4;
    thread_local std::array<std::optional<Parsed>, kRemembered> parsed;
    thread_local std::size_t next_slot = 0;
    const auto same_json_limits = [&](const Limits& other) {  // all that parse_json reads
        return other.max_json_depth == limits.max_json_depth &&
               other.max_json_object_members == limits.max_json_object_members &&
               other.max_json_values == limits.max_json_values;
    };
    for (const auto& entry : parsed)
        if (entry && same_json_limits(entry->limits) && std::ranges::equal(entry->payload, payload)) return entry->env;
    Environment env = parse_environment_payload(payload, limits);
    parsed[next_slot] = Parsed{std::vector<std::byte>(payload.begin(), payload.end()), limits, env};
    next_slot = (next_slot + 1) % kRemembered;
    return env;
}

// ---- capture -------------------------------------------------------------

Environment current_environment() {
    EnvironmentCache& state = cache();
    std::lock_guard lock(state.mutex);
    if (!state.native) state.native = detail::capture_native_components();

    Environment env;
    env.components = state.host;
    env.components.reserve(state.host.size() + state.native->size());
    const auto set_by_host = [&state](const std::string& id) {
        for (const EnvComponent& host : state.host)
            if (host.id == id) return true;
        return false;
    };
    for (const EnvComponent& native : *state.native)
        if (!set_by_host(native.id)) env.components.push_back(native);
    return env;
}

void refresh_environment() {
    EnvironmentCache& state = cache();
    std::lock_guard lock(state.mutex);
    state.native.reset();
}

void set_host_component(EnvComponent component) {
    if (component.id.empty()) throw InvalidArgument("environment component id is empty");
    EnvironmentCache& state = cache();
    std::lock_guard lock(state.mutex);
    for (EnvComponent& existing : state.host) {
        if (existing.id == component.id) {
            existing = std::move(component);
            return;
        }
    }
    state.host.push_back(std::move(component));
}

void clear_host_components() {
    EnvironmentCache& state = cache();
    std::lock_guard lock(state.mutex);
    state.host.clear();
}

// ---- drift ---------------------------------------------------------------

bool shared_component_id(std::string_view id) noexcept {
    for (std::string_view shared : {"torch", "numpy", "python", "cuda", "os", "gpu"})
        if (id == shared) return true;
    return false;
}

std::vector<DriftEntry> compare_environments(const Environment& file, const Environment& current) {
    return compare_environments_in_detail(file, current).drift;
}

EnvironmentComparison compare_environments_in_detail(const Environment& file, const Environment& current) {
    // Ids in the order they first appear: the file's, then those only here.
    std::vector<std::string> ids;
    std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> by_id;
    for (const EnvComponent& component : file.components) {
        auto [slot, inserted] = by_id.try_emplace(component.id);
        if (inserted) ids.push_back(component.id);
        slot->second.first.push_back(component.canonical);
    }
    for (const EnvComponent& component : current.components) {
        auto [slot, inserted] = by_id.try_emplace(component.id);
        if (inserted) ids.push_back(component.id);
        slot->second.second.push_back(component.canonical);
    }

    EnvironmentComparison comparison;
    std::vector<DriftEntry>& report = comparison.drift;
    for (const std::string& id : ids) {
        auto& [in_file, here] = by_id[id];
        if (in_file.empty()) {
            comparison.not_recorded.push_back(id);
            continue;
        }
        if (here.empty() && !detail::captured_component_id(id)) {  // captured: absent here means absent
            comparison.not_checked.push_back(id);
            continue;
        }
        // Equal strings pair first, whatever their positions (GPUs may be
        // enumerated in another order); what is left pairs in order.
        std::vector<bool> here_matched(here.size(), false);
        std::vector<std::string> file_left;
        for (const std::string& value : in_file) {
            bool matched = false;
            for (std::size_t i = 0; i < here.size() && !matched; ++i) {
                if (!here_matched[i] && here[i] == value) here_matched[i] = matched = true;
            }
            if (!matched) file_left.push_back(value);
        }
        std::vector<std::string> here_left;
        for (std::size_t i = 0; i < here.size(); ++i)
            if (!here_matched[i]) here_left.push_back(here[i]);

        const std::size_t paired = std::min(file_left.size(), here_left.size());
        for (std::size_t i = 0; i < paired; ++i)
            report.push_back({id, file_left[i], here_left[i], DriftKind::changed});
        for (std::size_t i = paired; i < file_left.size(); ++i)
            report.push_back({id, file_left[i], "", DriftKind::missing_here});
        for (std::size_t i = paired; i < here_left.size(); ++i)
            report.push_back({id, "", here_left[i], DriftKind::missing_in_file});
    }
    return comparison;
}

std::string_view drift_kind_name(DriftKind kind) noexcept {
    switch (kind) {
        case DriftKind::changed: return "changed";
        case DriftKind::missing_in_file: return "missing_in_file";
        case DriftKind::missing_here: return "missing_here";
    }
    return "unknown";
}

RAIIAF_NAMESPACE_END
