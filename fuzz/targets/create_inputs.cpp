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
    return raiiaf::fuzz::write_then_check(std::move(content));
}
