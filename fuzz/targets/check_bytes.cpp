// The whole-file check that `raiiaf verify` runs (raiiaf::check_bytes), with
// the default limits, plus the same file through the public Reader API, where
// nothing is swallowed: check_bytes turns any std::exception into a reported
// problem, so a std::bad_alloc or nlohmann exception would be invisible there.
// Oracle: a file that check_bytes passes must load completely.
#include <string>

#include "fuzz_target.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/writer.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(check_bytes) {
    const raiiaf::Limits limits{};
    const raiiaf::CheckReport report = raiiaf::check_bytes(input, limits);

    bool everything_loads = true;
    const auto step = [&](auto&& call) {
        if (raiiaf::fuzz::clean(call) == Outcome::rejected) everything_loads = false;
    };
    std::optional<raiiaf::Reader> reader;
    step([&] { reader.emplace(raiiaf::Reader::from_bytes(raiiaf::Bytes::borrowed(input), {.limits = limits})); });
    if (reader) {
        step([&] { raiiaf::validate_manifest(reader->manifest()); });
        for (std::size_t i = 0; i < reader->chunks().size(); ++i) {
            step([&] { (void)reader->stored_bytes(i); });
            step([&] { (void)reader->load_payload(i); });
        }
        for (std::size_t i = 0; i < reader->latents().size(); ++i)
            step([&] { (void)reader->load_latent(i); });
        step([&] {
            if (const auto info = reader->image_info()) (void)reader->load_image();
        });
        step([&] { (void)reader->environment(); });
    }
    if (report.ok() && !everything_loads)
        raiiaf::fuzz::finding("check_bytes passed a file that the Reader cannot load completely");
    if (!reader && report.ok()) raiiaf::fuzz::finding("check_bytes passed a file that Reader::from_bytes refuses");
    return report.ok() ? Outcome::accepted : Outcome::rejected;
}
