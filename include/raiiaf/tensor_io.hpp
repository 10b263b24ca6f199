// Reading and writing tensors in the two interchange formats pipelines use:
// numpy's .npy (format versions 1.0, 2.0, 3.0) and Hugging Face .safetensors.
//
// The readers treat their input as untrusted: every size, offset and shape is
// checked against the input before anything is allocated (a tensor never gets
// more memory than the input holds), and a malformed input throws
// TensorFileError naming what is wrong and where (ErrorLocation::offset is the
// byte offset in the input; for .safetensors, json_path points into the header
// JSON, e.g. "/unet.conv_in/data_offsets"). Tensors come back owned, C-ordered
// and little-endian, whatever the input's order and byte order.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/json.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/tensor.hpp"

RAIIAF_NAMESPACE_BEGIN

// ---- .npy -------------------------------------------------------------------

// Accepts the descr of every DType numpy has ('<f2', '<f4', '<f8', '|i1', '<i2',
// '<i4', '<i8', '|u1', '|b1'), little-, big- ('>') or native-endian ('='),
// C or Fortran order, rank 0 to limits.max_rank. Rejects object ('|O'),
// structured and other dtypes, and bytes after the array data: a .npy holds
// exactly one array (numpy.load ignores such bytes; here they are an error,
// since they mean a truncated rewrite or several arrays saved into one file).
[[nodiscard]] Tensor read_npy(std::span<const std::byte> file, const Limits& limits = {});
// Throws IoError when the file cannot be opened.
[[nodiscard]] Tensor read_npy_file(const std::filesystem::path& path, const Limits& limits = {});

// The bytes numpy.save writes for this tensor: format 1.0 (2.0 when the
// header does not fit 1.0's 16-bit length), fortran_order False, header padded
// so the data starts at a multiple of 64 bytes. Throws InvalidArgument for
// bfloat16, which numpy has no dtype for.
[[nodiscard]] std::vector<std::byte> encode_npy(const Tensor& tensor);
// Replaces the file atomically. Throws InvalidArgument (as encode_npy) or IoError.
void write_npy_file(const std::filesystem::path& path, const Tensor& tensor);

// ---- .safetensors -----------------------------------------------------------

struct NamedTensor {
    std::string name;
    Tensor tensor;
};

// The reference implementation's cap on the header's JSON text.
inline constexpr std::uint64_t kSafetensorsMaxHeaderSize = 100'000'000;

// Enforces the reference implementation's rules: header size within the cap
// and the file, a JSON object (nesting at most limits.max_json_depth, no
// duplicate keys), dtypes BOOL U8 I8 I16 I32 I64 F16 BF16 F32 F64, rank at most
// limits.max_rank, each tensor's byte range exactly shape x dtype, and the
// ranges contiguous, without overlap or gap, covering the data buffer exactly.
// Tensors come back in the order of their data offsets.
[[nodiscard]] std::vector<NamedTensor> read_safetensors(std::span<const std::byte> file,
                                                        const Limits& limits = {});
// Validates the whole file as read_safetensors does, then copies out one
// tensor. Throws TensorFileError when there is no tensor of that name.
[[nodiscard]] Tensor read_safetensors_tensor(std::span<const std::byte> file, std::string_view name,
                                             const Limits& limits = {});
// The "__metadata__" string-to-string map (an empty object when absent).
[[nodiscard]] Json read_safetensors_metadata(std::span<const std::byte> file, const Limits& limits = {});

// The file variants map the file rather than read it, so taking one tensor
// out of a large model file costs only that tensor's memory.
[[nodiscard]] std::vector<NamedTensor> read_safetensors_file(const std::filesystem::path& path,
                                                             const Limits& limits = {});
[[nodiscard]] Tensor read_safetensors_tensor_file(const std::filesystem::path& path, std::string_view name,
                                                  const Limits& limits = {});
[[nodiscard]] Json read_safetensors_metadata_file(const std::filesystem::path& path, const Limits& limits = {});

// Writes as the reference serializer does, byte for byte: tensors ordered by
// dtype (the reference's alignment order, largest first) then by name, compact
// JSON with "__metadata__" first, header padded with spaces to a multiple of
// 8 bytes. `metadata`, when given, must be an object of string values (it is
// written in its own key order). Throws InvalidArgument for duplicate names, the
// name "__metadata__", names that are not UTF-8, or bad metadata.
[[nodiscard]] std::vector<std::byte> encode_safetensors(const std::vector<NamedTensor>& tensors,
                                                        const Json* metadata = nullptr);
// Replaces the file atomically. Throws InvalidArgument (as encode_safetensors) or IoError.
void write_safetensors_file(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors,
                            const Json* metadata = nullptr);

RAIIAF_NAMESPACE_END
