// The ENVC payload parser. Oracle: what it accepts serializes and parses back
// to the same environment.
#include "fuzz_target.hpp"
#include "raiiaf/env.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(env) {
    raiiaf::Environment env;
    if (raiiaf::fuzz::clean([&] { env = raiiaf::parse_environment(input); }) == Outcome::rejected)
        return Outcome::rejected;
    (void)raiiaf::fuzz::clean([&] { (void)raiiaf::compare_environments(env, env); });
    std::string text;
    if (raiiaf::fuzz::clean([&] { text = raiiaf::serialize_environment(env); }) == Outcome::rejected)
        raiiaf::fuzz::finding("an environment that parse_environment accepted cannot be serialized");
    raiiaf::Environment again;
    if (raiiaf::fuzz::clean([&] { again = raiiaf::parse_environment(std::as_bytes(std::span(text))); }) ==
            Outcome::rejected ||
        again != env)
        raiiaf::fuzz::finding("serialize_environment does not round-trip through parse_environment");
    return Outcome::accepted;
}
