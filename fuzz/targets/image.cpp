// The structural image checks (PNG through libspng plus the CRC walk, JPEG
// markers, WebP RIFF) the writer applies to DATA payloads.
#include "format/image.hpp"
#include "fuzz_target.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(image) {
    return raiiaf::fuzz::clean([&] {
        const auto properties = raiiaf::detail::inspect_image(input);
        if (properties.format != "png" && properties.format != "jpeg" && properties.format != "webp")
            raiiaf::fuzz::finding("inspect_image accepted an image of unknown format");
    });
}
