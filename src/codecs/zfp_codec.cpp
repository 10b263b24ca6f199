#include "codecs/zfp_codec.hpp"

#include <zfp.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "codecs/zstd_codec.hpp"
#include "io/shared_library.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// libzfp is loaded on first use, not linked: it brings libgomp, whose start-up
// every command would pay for (docs/PERFORMANCE.md, "CLI start-up").
struct Zfp {
#define RAIIAF_ZFP_FUNCTIONS(X)                                                                            \
    X(zfp_field_free) X(zfp_stream_close) X(stream_close) X(zfp_field_1d) X(zfp_field_2d) X(zfp_field_3d)  \
    X(zfp_field_4d) X(zfp_stream_open) X(zfp_stream_set_accuracy) X(zfp_stream_set_reversible)             \
    X(zfp_stream_maximum_size) X(stream_open) X(zfp_stream_set_bit_stream) X(zfp_stream_rewind)            \
    X(zfp_write_header) X(zfp_compress) X(zfp_field_alloc) X(zfp_read_header) X(zfp_field_type)            \
    X(zfp_field_dimensionality) X(zfp_field_size) X(zfp_stream_params) X(stream_rtell) X(stream_rseek)     \
    X(zfp_field_set_pointer) X(zfp_decompress)
#define RAIIAF_ZFP_POINTER(name) decltype(&::name) name = nullptr;
    RAIIAF_ZFP_FUNCTIONS(RAIIAF_ZFP_POINTER)
#undef RAIIAF_ZFP_POINTER
    const decltype(::stream_word_bits)* stream_word_bits = nullptr;
    const decltype(::zfp_library_version)* zfp_library_version = nullptr;
    std::string error;  // why it cannot be used; empty once loaded
};

const Zfp& loaded_zfp() {
    static const Zfp table = [] {
        Zfp zfp;
        SharedLibrary library("libzfp.so.1", "zfp (Debian package libzfp1)");
#define RAIIAF_ZFP_BIND(name) library.bind(zfp.name, #name);
        RAIIAF_ZFP_FUNCTIONS(RAIIAF_ZFP_BIND)
#undef RAIIAF_ZFP_BIND
#undef RAIIAF_ZFP_FUNCTIONS
        library.bind(zfp.stream_word_bits, "stream_word_bits");
        library.bind(zfp.zfp_library_version, "zfp_library_version");
        zfp.error = library.error();
        return zfp;
    }();
    return table;
}

// The table, or CodecError naming the library that cannot be loaded.
const Zfp& zfp() {
    const Zfp& table = loaded_zfp();
    if (!table.error.empty()) throw CodecError(table.error);
    return table;
}

// zfp's dimensions, fastest first, as zfpy orders numpy's shape.
struct ZfpDims {
    unsigned rank = 1;
    std::array<std::size_t, 4> extent{1, 1, 1, 1};  // nx, ny, nz, nw
};

// zfp codes blocks of 4 values per axis: a size-1 axis pads every block 4x.
// Our streams leave such axes out; readers reshape after decoding, as the
// existing package does.
Shape without_unit_axes(const Shape& shape) {
    Shape squeezed;
    for (auto dim : shape)
        if (dim != 1) squeezed.push_back(dim);
    return squeezed;
}

ZfpDims zfp_dims(const Shape& shape) {
    ZfpDims dims;
    if (shape.empty()) return dims;  // a scalar is one value
    const std::size_t rank = shape.size();
    dims.rank = static_cast<unsigned>(std::min<std::size_t>(rank, 4));
    for (unsigned d = 0; d < dims.rank && d < 3; ++d) dims.extent[d] = shape[rank - 1 - d];
    if (rank >= 4) {
        std::size_t slowest = 1;
        for (std::size_t i = 0; i + 3 < rank; ++i) slowest *= shape[i];
        dims.extent[3] = slowest;
    }
    return dims;
}

struct FieldFree {
    void operator()(zfp_field* f) const { loaded_zfp().zfp_field_free(f); }
};
struct StreamFree {
    void operator()(zfp_stream* s) const { loaded_zfp().zfp_stream_close(s); }
};
struct BitstreamFree {
    void operator()(bitstream* b) const { loaded_zfp().stream_close(b); }
};
using FieldPtr = std::unique_ptr<zfp_field, FieldFree>;
using StreamPtr = std::unique_ptr<zfp_stream, StreamFree>;
using BitstreamPtr = std::unique_ptr<bitstream, BitstreamFree>;

FieldPtr make_field(void* data, bool is_double, const ZfpDims& dims) {
    const zfp_type type = is_double ? zfp_type_double : zfp_type_float;
    const auto& e = dims.extent;
    zfp_field* field = nullptr;
    switch (dims.rank) {
    case 1: field = zfp().zfp_field_1d(data, type, e[0]); break;
    case 2: field = zfp().zfp_field_2d(data, type, e[0], e[1]); break;
    case 3: field = zfp().zfp_field_3d(data, type, e[0], e[1], e[2]); break;
    default: field = zfp().zfp_field_4d(data, type, e[0], e[1], e[2], e[3]); break;
    }
    if (!field) throw CodecError("zfp: out of memory");
    return FieldPtr(field);
}

// zfp's bit reader reads whole 64-bit words and trusts the stream to end where
// it should; round buffers up and pad with zeros so a lying stream reads zeros.
std::size_t padded_size(std::size_t size) { return (size + 64 + 7) / 8 * 8; }

// Values in the field once every axis is rounded up to whole 4-value blocks.
std::size_t padded_value_count(const ZfpDims& dims) {
    std::size_t count = 1;
    for (unsigned d = 0; d < dims.rank; ++d) count *= (dims.extent[d] + 3) / 4 * 4;
    return count;
}

}  // namespace

bool zfp_can_code(const Shape& shape) noexcept {
    for (auto dim : shape)
        if (dim == 0) return false;
    return true;
}

std::vector<std::byte> zfp_compress(std::span<const std::byte> values, bool is_double, const Shape& shape,
                                    std::optional<double> tolerance) {
    const ZfpDims dims = zfp_dims(without_unit_axes(shape));
    // zfp reads through a non-const pointer but does not write when compressing.
    auto field = make_field(const_cast<std::byte*>(values.data()), is_double, dims);
    StreamPtr stream(zfp().zfp_stream_open(nullptr));
    if (!stream) throw CodecError("zfp: out of memory");
    if (tolerance) zfp().zfp_stream_set_accuracy(stream.get(), *tolerance);
    else zfp().zfp_stream_set_reversible(stream.get());

    std::vector<std::byte> buffer(padded_size(zfp().zfp_stream_maximum_size(stream.get(), field.get())));
    BitstreamPtr bits(zfp().stream_open(buffer.data(), buffer.size()));
    if (!bits) throw CodecError("zfp: out of memory");
    zfp().zfp_stream_set_bit_stream(stream.get(), bits.get());
    zfp().zfp_stream_rewind(stream.get());
    if (zfp().zfp_write_header(stream.get(), field.get(), ZFP_HEADER_FULL) == 0)
        throw CodecError("zfp: cannot write the stream header");
    const std::size_t size = zfp().zfp_compress(stream.get(), field.get());
    if (size == 0) throw CodecError("zfp compression failed");
    buffer.resize(size);
    return buffer;
}

void zfp_decompress(std::span<const std::byte> stream_bytes, bool is_double, const Shape& shape,
                    std::span<std::byte> out) {
    std::vector<std::byte> buffer(padded_size(stream_bytes.size()));
    std::memcpy(buffer.data(), stream_bytes.data(), stream_bytes.size());

    StreamPtr stream(zfp().zfp_stream_open(nullptr));
    FieldPtr field(zfp().zfp_field_alloc());
    if (!stream || !field) throw CodecError("zfp: out of memory");
    BitstreamPtr bits(zfp().stream_open(buffer.data(), buffer.size()));
    if (!bits) throw CodecError("zfp: out of memory");
    zfp().zfp_stream_set_bit_stream(stream.get(), bits.get());
    zfp().zfp_stream_rewind(stream.get());
    if (zfp().zfp_read_header(stream.get(), field.get(), ZFP_HEADER_FULL) == 0)
        throw CodecError("zfp stream header is invalid");

    const zfp_type type = is_double ? zfp_type_double : zfp_type_float;
    if (zfp().zfp_field_type(field.get()) != type)
        throw CodecError(std::string("zfp stream holds another element type than ") +
                         (is_double ? "float64" : "float32"));
    // Streams of the existing package (zfpy) code the recorded shape; ours
    // leave out its size-1 axes.
    ZfpDims stream_dims;
    stream_dims.rank = zfp().zfp_field_dimensionality(field.get());
    zfp().zfp_field_size(field.get(), stream_dims.extent.data());
    const auto matches = [&](const ZfpDims& dims) { return dims.rank == stream_dims.rank && dims.extent == stream_dims.extent; };
    if (!matches(zfp_dims(shape)) && !matches(zfp_dims(without_unit_axes(shape))))
        throw CodecError("zfp stream dimensions do not match the recorded shape");

    const std::size_t element = is_double ? 8 : 4;
    if (out.size() != zfp().zfp_field_size(field.get(), nullptr) * element)
        throw CodecError("zfp output buffer does not match the recorded shape");

    // A block's bit budget must hold at least its sign bit and common exponent
    // (8 bits for float, 11 for double): with less, zfp's decoder underflows
    // the budget and reads far past the stream (found by fuzzing).
    unsigned min_bits = 0, max_bits = 0, max_precision = 0;
    int min_exponent = 0;
    zfp().zfp_stream_params(stream.get(), &min_bits, &max_bits, &max_precision, &min_exponent);
    if (max_bits < 1u + (is_double ? 11u : 8u) || min_bits > max_bits)
        throw CodecError("zfp stream's bits per block (" + std::to_string(min_bits) + ".." + std::to_string(max_bits) +
                         ") are below what a block's exponent needs");

    // The stream's own parameters bound how much it may read; refuse streams
    // whose parameters allow far more than the data could need. zfp's bound
    // counts whole blocks, so compare with the values padded to whole blocks:
    // a lossless stream of a 1x16x128x128 tensor, coded in 4-D as zfpy does,
    // may need 4x its raw size.
    const std::size_t maximum = zfp().zfp_stream_maximum_size(stream.get(), field.get());
    if (maximum == 0 || maximum > 2 * padded_value_count(stream_dims) * element + (1u << 20))
        throw CodecError("zfp stream parameters are out of bounds");
    if (buffer.size() < padded_size(maximum)) {
        const std::size_t bits_read = zfp().stream_rtell(bits.get());
        buffer.resize(padded_size(maximum));  // zero padding; re-seat the bit stream
        bits.reset(zfp().stream_open(buffer.data(), buffer.size()));
        if (!bits) throw CodecError("zfp: out of memory");
        zfp().zfp_stream_set_bit_stream(stream.get(), bits.get());
        zfp().stream_rseek(bits.get(), bits_read);
    }

    zfp().zfp_field_set_pointer(field.get(), out.data());
    const std::size_t consumed = zfp().zfp_decompress(stream.get(), field.get());
    if (consumed == 0) throw CodecError("zfp decompression failed");
    // zfp counts whole stream words; streams from zfpy builds with byte-sized
    // words end mid-word here, so compare at word granularity.
    const std::size_t word_bytes = *zfp().stream_word_bits / 8;
    const std::size_t available = (stream_bytes.size() + word_bytes - 1) / word_bytes * word_bytes;
    if (consumed > available)
        throw CodecError("zfp stream is truncated: needs " + std::to_string(consumed) + " bytes, has " +
                         std::to_string(stream_bytes.size()));
}

bool zfp_can_code_dtype(DType dtype) noexcept {
    return dtype == DType::float16 || dtype == DType::float32 || dtype == DType::float64;
}

std::vector<std::byte> zfp_encode_tensor(const Tensor& tensor, std::optional<double> tolerance) {
    if (tensor.dtype() == DType::float16)  // exact widening; readers narrow back
        return zfp_compress(convert_dtype(tensor, DType::float32).bytes(), false, tensor.shape(), tolerance);
    return zfp_compress(tensor.bytes(), tensor.dtype() == DType::float64, tensor.shape(), tolerance);
}

Tensor zfp_decode_tensor(std::span<const std::byte> stream, DType dtype, const Shape& shape) {
    const bool is_double = dtype == DType::float64;
    const DType coded = is_double ? DType::float64 : DType::float32;
    const auto size = tensor_byte_size(coded, shape);
    if (!size) throw CodecError("zfp tensor size overflows");
    std::vector<std::byte> values(*size);
    zfp_decompress(stream, is_double, shape, values);
    Tensor decoded(coded, shape, Bytes(std::move(values)));
    return dtype == DType::float16 ? convert_dtype(decoded, DType::float16) : decoded;
}

std::optional<unsigned> loaded_zfp_version() noexcept {
    const Zfp& table = loaded_zfp();
    if (!table.error.empty()) return std::nullopt;
    return *table.zfp_library_version;
}

RAIIAF_DETAIL_NAMESPACE_END
