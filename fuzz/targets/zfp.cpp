// The zfp decoder as a zfp LATN chunk uses it. Input: one byte dtype
// (0 float32, 1 float64, 2 float16), one byte rank (mod 9), one byte per
// dimension (mod 17: zero-sized axes included), then the zfp stream. Shapes
// above 4096 elements are not tried (the reader's own limits bound the
// output; here the stream parser is the subject).
#include <cstdint>

#include "codecs/zfp_codec.hpp"
#include "fuzz_target.hpp"
#include "raiiaf/tensor.hpp"

using raiiaf::fuzz::Outcome;

RAIIAF_FUZZ_TARGET(zfp) {
    raiiaf::fuzz::ByteReader reader(input);
    static constexpr raiiaf::DType kTypes[] = {raiiaf::DType::float32, raiiaf::DType::float64, raiiaf::DType::float16};
    const raiiaf::DType dtype = kTypes[reader.u8() % 3];
    const unsigned rank = reader.u8() % 9;
    raiiaf::Shape shape;
    std::uint64_t count = 1;
    for (unsigned d = 0; d < rank; ++d) {
        shape.push_back(reader.u8() % 17);
        count *= shape.back();
    }
    if (count > 4096) return Outcome::rejected;
    const auto stream = reader.rest();
    return raiiaf::fuzz::clean([&] {
        const raiiaf::Tensor tensor = raiiaf::detail::zfp_decode_tensor(stream, dtype, shape);
        if (tensor.dtype() != dtype || tensor.shape() != shape)
            raiiaf::fuzz::finding("zfp_decode_tensor returned another dtype or shape than asked for");
    });
}
