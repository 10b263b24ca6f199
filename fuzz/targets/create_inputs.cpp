// The tensor files `raiiaf create --latent` reads: the first input byte picks
// .npy or .safetensors, the rest is the file. Oracle: the interop readers
// accept or refuse cleanly (header-decided refusals included), and every
// tensor they return the writer stores or refuses cleanly, as a file the
// reader opens and check_bytes finds intact.
#include "fuzz_target.hpp"
#include "raiiaf/raiiaf.hpp"
#include "raiiaf/tensor_io.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(create_inputs) {
    if (input.empty()) return Outcome::rejected;
    const bool safetensors = (static_cast<unsigned>(input[0]) & 1) != 0;
    const auto file_bytes = input.subspan(1);
    raiiaf::ArtifactContent content;
    const auto read = [&] {
        if (safetensors) {
            for (auto& [name, tensor] : raiiaf::read_safetensors(file_bytes))
                content.latents.emplace_back(std::move(name), std::move(tensor));
        } else {
            content.latents.emplace_back("latent", raiiaf::read_npy(file_bytes));
        }
    };
    if (raiiaf::fuzz::clean(read) == Outcome::rejected) return Outcome::rejected;
    content.model.model_name = "m";
    content.model.version = "1";
    content.model.date = "2026-01-01T00:00:00.000000+00:00";
    content.environment = raiiaf::Environment{1, {{"os", "name=os;version=1"}}};
    std::vector<std::byte> file;
    if (raiiaf::fuzz::clean([&] { file = raiiaf::encode(content); }) == Outcome::rejected) return Outcome::rejected;
    if (!raiiaf::check_bytes(file).ok())
        raiiaf::fuzz::finding("the writer emitted a file its reader refuses: " +
                              raiiaf::check_bytes(file).problems.front().message);
    return Outcome::accepted;
}
