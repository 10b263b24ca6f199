// The environment record (ENVC chunk): what software and hardware produced a
// file, as canonical strings, and how it differs from the reading machine.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/limits.hpp"

RAIIAF_NAMESPACE_BEGIN

struct EnvComponent {
    std::string id;         // "torch", "os", "gpu", ...
    std::string canonical;  // "name=os;version=Linux 6.1.0-18-amd64"

    // Lowercase hex SHA-256 of `canonical`, as stored in component_sha256_digest.
    [[nodiscard]] std::string digest_hex() const;
    friend bool operator==(const EnvComponent&, const EnvComponent&) = default;
};

struct Environment {
    int env_version = 1;
    std::vector<EnvComponent> components;
    friend bool operator==(const Environment&, const Environment&) = default;
};

// The ENVC payload: JSON text as the existing package writes it
// (json.dumps(indent=2), key "cononical_str" spelled as in the wild).
[[nodiscard]] std::string serialize_environment(const Environment& env);
// Parses an ENVC payload. Throws EnvChunkError on malformed JSON, missing keys
// or a component digest that does not match its canonical string, and on JSON
// beyond the limits' bounds (a reader passes its own).
[[nodiscard]] Environment parse_environment(std::span<const std::byte> payload, const Limits& limits = {});

// ---- capture -------------------------------------------------------------

// The environment of this process: host components (see set_host_component)
// followed by what the library captures natively (os, gpu, cpu, memory,
// library versions). Captured once per process and cached; thread-safe.
[[nodiscard]] Environment current_environment();
// Drops the cache so the next current_environment() captures afresh.
void refresh_environment();

// Adds or replaces (by id) a component the host application knows about:
// the Python package adds python, numpy, torch and cuda; a native generator
// adds its own name and backend. Ids the host sets win over captured ones.
void set_host_component(EnvComponent component);
void clear_host_components();

// ---- drift ---------------------------------------------------------------

enum class DriftKind { changed, missing_in_file, missing_here };

struct DriftEntry {
    std::string component_id;
    std::string file_value;     // empty when missing_in_file
    std::string current_value;  // empty when missing_here
    DriftKind kind;
    friend bool operator==(const DriftEntry&, const DriftEntry&) = default;
};

// Compares a file's environment with the current one. Components are matched
// by id; several components sharing an id (one per GPU) compare as lists.
[[nodiscard]] std::vector<DriftEntry> compare_environments(const Environment& file,
                                                           const Environment& current);

// The drift of compare_environments, and the components that are not drift
// because only one side has them (docs/FORMAT.md section 8.6): those the file
// does not record (an older writer, another implementation), and those this
// side cannot observe (torch or python from the command line, a generator's
// own component), which are not checked. Ids in first-seen order, once each.
struct EnvironmentComparison {
    std::vector<DriftEntry> drift;
    std::vector<std::string> not_recorded;
    std::vector<std::string> not_checked;
};
[[nodiscard]] EnvironmentComparison compare_environments_in_detail(const Environment& file,
                                                                   const Environment& current);

// True for the ids that the existing raiiaf/gen5 package records itself
// (torch, numpy, python, cuda, os, gpu); the others are ours.
[[nodiscard]] bool shared_component_id(std::string_view id) noexcept;

[[nodiscard]] std::string_view drift_kind_name(DriftKind kind) noexcept;

RAIIAF_NAMESPACE_END
