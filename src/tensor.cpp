#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "raiiaf/errors.hpp"
#include "raiiaf/tensor.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {
struct DTypeTraits {
    DType dtype;
    std::string_view name;
    std::size_t size;
    bool is_float;
};
constexpr std::array<DTypeTraits, 10> kDTypes{{
    {DType::float16, "float16", 2, true},
    {DType::bfloat16, "bfloat16", 2, true},
    {DType::float32, "float32", 4, true},
    {DType::float64, "float64", 8, true},
    {DType::int8, "int8", 1, false},
    {DType::int16, "int16", 2, false},
    {DType::int32, "int32", 4, false},
    {DType::int64, "int64", 8, false},
    {DType::uint8, "uint8", 1, false},
    {DType::boolean, "bool", 1, false},
}};

const DTypeTraits& traits(DType dtype) noexcept {
    for (const auto& t : kDTypes)
        if (t.dtype == dtype) return t;
    return kDTypes[2];
}
}  // namespace

std::string_view dtype_name(DType dtype) noexcept { return traits(dtype).name; }
std::size_t dtype_size(DType dtype) noexcept { return traits(dtype).size; }
bool dtype_is_float(DType dtype) noexcept { return traits(dtype).is_float; }
bool dtype_is_legacy(DType dtype) noexcept {
    return dtype == DType::float16 || dtype == DType::float32;
}

std::optional<DType> dtype_from_name(std::string_view name) noexcept {
    for (const auto& t : kDTypes)
        if (t.name == name) return t.dtype;
    return std::nullopt;
}

std::optional<std::uint64_t> element_count(const Shape& shape) noexcept {
    std::uint64_t count = 1;
    for (std::uint64_t dim : shape) {
        if (dim != 0 && count > UINT64_MAX / dim) return std::nullopt;
        count *= dim;
    }
    return count;
}

std::optional<std::uint64_t> tensor_byte_size(DType dtype, const Shape& shape) noexcept {
    const auto count = element_count(shape);
    const std::uint64_t size = dtype_size(dtype);
    if (!count || *count > UINT64_MAX / size) return std::nullopt;
    return *count * size;
}

void Tensor::throw_unaligned(std::size_t alignment) {
    throw InvalidArgument("tensor data is not aligned to " + std::to_string(alignment) +
                          " bytes (a view of a file); read with ReadOptions::copy_payloads or copy the bytes first");
}

Tensor::Tensor(DType dtype, Shape shape, Bytes data)
    : dtype_(dtype), shape_(std::move(shape)), data_(std::move(data)) {
    const auto expected = tensor_byte_size(dtype_, shape_);
    if (!expected || *expected != data_.size())
        throw InvalidArgument("tensor of dtype " + std::string(dtype_name(dtype_)) + " and " +
                              std::to_string(shape_.size()) + " dimensions needs " +
                              (expected ? std::to_string(*expected) : std::string("too many")) +
                              " bytes, got " + std::to_string(data_.size()));
}

std::uint64_t Tensor::element_count() const noexcept {
    return raiiaf::element_count(shape_).value_or(0);
}

// ---- float conversion ------------------------------------------------------

namespace {

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1Fu;
    std::uint32_t mantissa = h & 0x3FFu;
    std::uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int shift = 0;
            while ((mantissa & 0x400u) == 0) {
                mantissa <<= 1;
                ++shift;
            }
            mantissa &= 0x3FFu;
            bits = sign | static_cast<std::uint32_t>(127 - 15 - shift + 1) << 23 | mantissa << 13;
        }
    } else if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | mantissa << 13;
    } else {
        bits = sign | (exponent + 127 - 15) << 23 | mantissa << 13;
    }
    return std::bit_cast<float>(bits);
}

// Round-to-nearest-even, as numpy's astype(float16) does. Every float32 and
// bfloat16 value is exactly a double, so one routine serves all sources.
std::uint16_t double_to_half(double value) {
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(value);
    const auto sign = static_cast<std::uint16_t>((bits >> 48) & 0x8000u);
    const std::uint64_t abs = bits & 0x7FFF'FFFF'FFFF'FFFFull;
    if (abs >= 0x7FF0'0000'0000'0000ull) {  // inf, or nan kept quiet
        if (abs == 0x7FF0'0000'0000'0000ull) return sign | 0x7C00u;
        return sign | 0x7E00u | static_cast<std::uint16_t>((abs >> 42) & 0x3FFu);
    }
    const int exponent = static_cast<int>(abs >> 52) - 1023;
    if (exponent < -30) return sign;  // below half the smallest half subnormal (2^-25)
    const std::uint64_t significand = (abs & 0xF'FFFF'FFFF'FFFFull) | (1ull << 52);
    // Exponent of the half's last significand bit: 2^(e-10) when normal, 2^-24 when subnormal.
    const int unit_exponent = exponent >= -14 ? exponent - 10 : -24;
    const int drop = unit_exponent - (exponent - 52);  // 42..54
    std::uint64_t result = significand >> drop;
    const std::uint64_t remainder = significand & ((1ull << drop) - 1);
    const std::uint64_t halfway = 1ull << (drop - 1);
    if (remainder > halfway || (remainder == halfway && (result & 1u))) ++result;
    if (exponent < -14) return sign | static_cast<std::uint16_t>(result);  // 1024 carries to the smallest normal
    if (exponent > 15) return sign | 0x7C00u;
    // result holds the implicit bit (1024): adding it bumps the exponent field by one.
    const std::uint64_t half = (static_cast<std::uint64_t>(exponent + 14) << 10) + result;
    return sign | static_cast<std::uint16_t>(half >= 0x7C00u ? 0x7C00u : half);
}

float bfloat16_to_float(std::uint16_t b) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

template <class From>
std::vector<float> widen_to_float(const Tensor& tensor, From convert) {
    std::vector<float> out(tensor.element_count());
    const auto* src = tensor.bytes().data();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = convert(src + i * dtype_size(tensor.dtype()));
    return out;
}

std::vector<float> to_float32(const Tensor& tensor) {
    switch (tensor.dtype()) {
    case DType::float16:
        return widen_to_float(tensor, [](const std::byte* p) {
            std::uint16_t h;
            std::memcpy(&h, p, 2);
            return half_to_float(h);
        });
    case DType::bfloat16:
        return widen_to_float(tensor, [](const std::byte* p) {
            std::uint16_t b;
            std::memcpy(&b, p, 2);
            return bfloat16_to_float(b);
        });
    case DType::float32: {
        std::vector<float> out(tensor.element_count());
        std::memcpy(out.data(), tensor.bytes().data(), tensor.bytes().size());
        return out;
    }
    default:
        throw InvalidArgument("cannot convert " + std::string(dtype_name(tensor.dtype())) +
                              " to a float type");
    }
}

}  // namespace

Tensor convert_dtype(const Tensor& tensor, DType target) {
    if (tensor.dtype() == target) return tensor;
    if (!dtype_is_float(tensor.dtype()))
        throw InvalidArgument("cannot convert " + std::string(dtype_name(tensor.dtype())) + " to " +
                              std::string(dtype_name(target)));
    const std::uint64_t count = tensor.element_count();
    if (target == DType::float16) {
        std::vector<std::byte> out(count * 2);
        auto store = [&](std::size_t i, std::uint16_t h) { std::memcpy(out.data() + i * 2, &h, 2); };
        if (tensor.dtype() == DType::float64) {  // directly, so nothing rounds twice
            const auto* src = tensor.bytes().data();
            for (std::size_t i = 0; i < count; ++i) {
                double d;
                std::memcpy(&d, src + i * 8, 8);
                store(i, double_to_half(d));
            }
        } else {
            const auto values = to_float32(tensor);
            for (std::size_t i = 0; i < count; ++i) store(i, double_to_half(values[i]));
        }
        return Tensor(DType::float16, tensor.shape(), Bytes(std::move(out)));
    }
    if (target == DType::float32 && tensor.dtype() != DType::float64) {
        const auto values = to_float32(tensor);
        std::vector<std::byte> out(count * 4);
        std::memcpy(out.data(), values.data(), out.size());
        return Tensor(DType::float32, tensor.shape(), Bytes(std::move(out)));
    }
    throw InvalidArgument("cannot convert " + std::string(dtype_name(tensor.dtype())) + " to " +
                          std::string(dtype_name(target)));
}

RAIIAF_NAMESPACE_END
