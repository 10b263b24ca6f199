// The manifest text as it comes out of the META chunk: JSON parsing with the
// depth pre-check, the typed parse in both layouts, the schema check and the
// per-latent checks the reader applies before touching any payload.
#include <string>
#include <string_view>

#include "format/json_text.hpp"
#include "format/manifest.hpp"
#include "fuzz_target.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/writer.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(manifest) {
    const raiiaf::Limits limits{};
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    raiiaf::Json document;
    if (raiiaf::fuzz::clean([&] { document = raiiaf::detail::parse_json(text, limits); }) ==
        Outcome::rejected)
        return Outcome::rejected;

    const Outcome schema = raiiaf::fuzz::clean([&] { raiiaf::validate_manifest(document); });
    bool any_layout = false;
    for (const raiiaf::Layout layout : {raiiaf::Layout::raiiaf, raiiaf::Layout::gen5}) {
        const Outcome typed = raiiaf::fuzz::clean([&] {
            const auto parsed = raiiaf::detail::parse_manifest(document, layout);
            std::size_t position = 0;
            for (const auto& record : parsed.chunks) {
                if (record.type != raiiaf::kLatentType) continue;
                (void)raiiaf::detail::latent_info(record, layout, position++, limits);
            }
            // What the writer would make of it again.
            const std::string key(raiiaf::metadata_key(layout));
            (void)raiiaf::detail::build_manifest(layout, parsed.document.at(key).at("file_info"), parsed.model, parsed.chunks);
        });
        any_layout = any_layout || typed == Outcome::accepted;
    }
    (void)raiiaf::fuzz::clean([&] { (void)raiiaf::detail::dump_python_json(document); });
    return schema == Outcome::accepted && any_layout ? Outcome::accepted : Outcome::rejected;
}
