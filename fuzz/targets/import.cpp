// The importer: image segments, metadata texts (inflate, EXIF through exiv2,
// stealth bits) and every generator parser, then the model_info mapping.
#include "fuzz_target.hpp"
#include "raiiaf/import.hpp"

RAIIAF_FUZZ_TARGET(import) {
    return raiiaf::fuzz::clean([&] {
        raiiaf::ImportOptions options;
        options.stealth = raiiaf::StealthSearch::always;
        options.limits.max_metadata_text_size = 1 << 20;
        const auto metadata = raiiaf::read_generation_metadata(input, options);
        if (!metadata.recognised()) return;
        for (const char* key : {"generator", "software", "prompt", "seed", "steps", "model", "width", "height"})
            if (!metadata.record.contains(key)) raiiaf::fuzz::finding(std::string("record without ") + key);
        const raiiaf::ModelInfo model = raiiaf::imported_model_info(metadata);
        if (!raiiaf::imported_settings(model)) raiiaf::fuzz::finding("imported model_info without its settings");
    });
}
