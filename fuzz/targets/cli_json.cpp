// The JSON the CLI parses from outside: --settings/--hardware files, --set
// values (raiiaf::parse_json with the reader's default bounds; is_json_syntax
// decides whether a --set value is JSON or text). Oracle: the bounded parse
// accepts or refuses cleanly, and whatever it accepts the writer either
// refuses cleanly or writes as a file that the reader with default limits
// opens and check_bytes finds intact (the writer never emits what its own
// reader refuses).
#include "fuzz_target.hpp"
#include "raiiaf/raiiaf.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(cli_json) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    (void)raiiaf::is_json_syntax(text);
    raiiaf::Json value;
    if (raiiaf::fuzz::clean([&] { value = raiiaf::parse_json(text); }) == Outcome::rejected) return Outcome::rejected;

    raiiaf::ArtifactContent content;
    content.model.generation_settings = raiiaf::Json{{"seed", 1}, {"steps", 2}, {"sampler", "euler"}, {"x", value}};
    if (value.is_object()) content.model.hardware_info = value;  // as --hardware FILE
    return raiiaf::fuzz::write_then_check(std::move(content));
}
