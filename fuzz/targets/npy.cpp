// The .npy reader (interop). Oracle: what it accepts, encode_npy writes back
// and read_npy reads again as the same tensor.
#include <algorithm>

#include "fuzz_target.hpp"
#include "raiiaf/tensor_io.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(npy) {
    raiiaf::Tensor tensor;
    if (raiiaf::fuzz::clean([&] { tensor = raiiaf::read_npy(input); }) == Outcome::rejected) return Outcome::rejected;
    std::vector<std::byte> encoded;
    if (raiiaf::fuzz::clean([&] { encoded = raiiaf::encode_npy(tensor); }) == Outcome::rejected)
        raiiaf::fuzz::finding("read_npy returned a tensor that encode_npy refuses");
    raiiaf::Tensor again;
    if (raiiaf::fuzz::clean([&] { again = raiiaf::read_npy(encoded); }) == Outcome::rejected ||
        again.dtype() != tensor.dtype() || again.shape() != tensor.shape() ||
        !std::equal(again.bytes().begin(), again.bytes().end(), tensor.bytes().begin(), tensor.bytes().end()))
        raiiaf::fuzz::finding("encode_npy does not round-trip through read_npy");
    return Outcome::accepted;
}
