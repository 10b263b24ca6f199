// The .safetensors reader (interop). Oracle: what it accepts, every
// by-name lookup finds, and encode_safetensors writes back to a file that
// reads as the same tensors.
#include <algorithm>
#include <map>

#include "fuzz_target.hpp"
#include "raiiaf/tensor_io.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(safetensors) {
    std::vector<raiiaf::NamedTensor> tensors;
    const Outcome all = raiiaf::fuzz::clean([&] { tensors = raiiaf::read_safetensors(input); });
    raiiaf::Json metadata;
    const Outcome meta = raiiaf::fuzz::clean([&] { metadata = raiiaf::read_safetensors_metadata(input); });
    if (all == Outcome::rejected) {
        (void)raiiaf::fuzz::clean([&] { (void)raiiaf::read_safetensors_tensor(input, "x"); });
        return Outcome::rejected;
    }
    if (meta == Outcome::rejected) raiiaf::fuzz::finding("read_safetensors accepts a file whose metadata it refuses");

    const auto same = [](const raiiaf::Tensor& a, const raiiaf::Tensor& b) {
        return a.dtype() == b.dtype() && a.shape() == b.shape() &&
               std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin(), b.bytes().end());
    };
    for (const auto& named : tensors) {
        raiiaf::Tensor one;
        if (raiiaf::fuzz::clean([&] { one = raiiaf::read_safetensors_tensor(input, named.name); }) ==
                Outcome::rejected ||
            !same(one, named.tensor))
            raiiaf::fuzz::finding("read_safetensors_tensor disagrees with read_safetensors");
    }

    std::vector<std::byte> encoded;
    const raiiaf::Json* metadata_pointer = metadata.empty() ? nullptr : &metadata;
    if (raiiaf::fuzz::clean([&] { encoded = raiiaf::encode_safetensors(tensors, metadata_pointer); }) ==
        Outcome::rejected)
        raiiaf::fuzz::finding("read_safetensors returned tensors that encode_safetensors refuses");
    std::vector<raiiaf::NamedTensor> again;
    if (raiiaf::fuzz::clean([&] { again = raiiaf::read_safetensors(encoded); }) == Outcome::rejected)
        raiiaf::fuzz::finding("encode_safetensors wrote a file read_safetensors refuses");
    std::map<std::string, const raiiaf::Tensor*> by_name;
    for (const auto& named : again) by_name[named.name] = &named.tensor;
    if (by_name.size() != tensors.size()) raiiaf::fuzz::finding("safetensors round trip lost tensors");
    for (const auto& named : tensors) {
        const auto it = by_name.find(named.name);
        if (it == by_name.end() || !same(*it->second, named.tensor))
            raiiaf::fuzz::finding("safetensors round trip changed tensor \"" + named.name + "\"");
    }
    return Outcome::accepted;
}
