// A dense, C-ordered, little-endian tensor over a Bytes buffer.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "raiiaf/bytes.hpp"
#include "raiiaf/dtype.hpp"

RAIIAF_NAMESPACE_BEGIN

using Shape = std::vector<std::uint64_t>;

// Product of the dimensions; nullopt when it overflows 64 bits.
[[nodiscard]] std::optional<std::uint64_t> element_count(const Shape& shape) noexcept;
// Byte size of a tensor of this shape and dtype; nullopt on overflow.
[[nodiscard]] std::optional<std::uint64_t> tensor_byte_size(DType dtype, const Shape& shape) noexcept;

class Tensor {
public:
    Tensor() = default;
    // Throws InvalidArgument if data.size() is not shape x dtype.
    Tensor(DType dtype, Shape shape, Bytes data);

    [[nodiscard]] DType dtype() const noexcept { return dtype_; }
    [[nodiscard]] const Shape& shape() const noexcept { return shape_; }
    [[nodiscard]] const Bytes& data() const noexcept { return data_; }
    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return data_.span(); }
    [[nodiscard]] std::uint64_t element_count() const noexcept;

    // The elements as T. Throws InvalidArgument when the bytes are not
    // aligned for T: raw latents are zero-copy views of the file, at whatever
    // offset the file puts them (the format does not align payloads). Read
    // them with ReadOptions::copy_payloads, or copy the bytes, to get aligned ones.
    template <class T>
    [[nodiscard]] std::span<const T> as() const {
        if (reinterpret_cast<std::uintptr_t>(data_.data()) % alignof(T) != 0) throw_unaligned(alignof(T));
        return {reinterpret_cast<const T*>(data_.data()), data_.size() / sizeof(T)};
    }

private:
    [[noreturn]] static void throw_unaligned(std::size_t alignment);
    DType dtype_ = DType::float32;
    Shape shape_;
    Bytes data_;
};

// Element-type conversion with round-to-nearest-even where precision is lost.
// Supported: any float -> float16 / float32. Throws InvalidArgument otherwise.
[[nodiscard]] Tensor convert_dtype(const Tensor& tensor, DType target);

RAIIAF_NAMESPACE_END
