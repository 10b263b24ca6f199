// The zstd decoders. Input: u16 expected content size (little-endian), then
// the frame(s). Oracle: when the exact and the bounded decoder both succeed
// with the same size they produce the same bytes.
#include <algorithm>
#include <vector>

#include "codecs/shuffle.hpp"
#include "codecs/zstd_codec.hpp"
#include "fuzz_target.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(zstd) {
    raiiaf::fuzz::ByteReader reader(input);
    const std::size_t expected = reader.u16();
    const std::size_t element_size = std::size_t{1} << (reader.u8() & 3);
    const auto frame = reader.rest();

    std::vector<std::byte> exact(expected);
    const Outcome exact_outcome = raiiaf::fuzz::clean([&] { raiiaf::detail::zstd_decompress_exact(frame, exact); });
    std::vector<std::byte> bounded;
    const Outcome bounded_outcome =
        raiiaf::fuzz::clean([&] { bounded = raiiaf::detail::zstd_decompress_bounded(frame, 1u << 20); });
    (void)raiiaf::fuzz::clean([&] { (void)raiiaf::detail::zstd_frame_size(frame); });

    if (exact_outcome == Outcome::accepted && bounded_outcome == Outcome::accepted && bounded.size() == exact.size() &&
        !std::equal(bounded.begin(), bounded.end(), exact.begin()))
        raiiaf::fuzz::finding("zstd_decompress_exact and zstd_decompress_bounded disagree");
    if (exact_outcome == Outcome::accepted) {  // what a shuffle-zstd LATN does next
        std::vector<std::byte> unshuffled(exact.size() / element_size * element_size);
        raiiaf::detail::unshuffle_bytes(std::span<const std::byte>(exact).first(unshuffled.size()), element_size,
                                        unshuffled);
    }
    return exact_outcome == Outcome::accepted || bounded_outcome == Outcome::accepted ? Outcome::accepted
                                                                                      : Outcome::rejected;
}
