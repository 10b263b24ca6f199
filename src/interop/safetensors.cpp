// Hugging Face .safetensors: an 8-byte little-endian header size N, N bytes of
// JSON mapping tensor names to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the data buffer that follows) plus an optional
// "__metadata__" string map, then the data buffer. The validation rules and the
// writer's layout follow the reference implementation (safetensors/src/tensor.rs).
#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "format/little_endian.hpp"
#include "format/json_text.hpp"
#include "interop/tensor_file.hpp"
#include "io/atomic_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/tensor_io.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {

constexpr std::uint64_t kSizeFieldSize = 8;
constexpr std::string_view kMetadataKey = "__metadata__";

struct DTypeName {
    std::string_view name;
    DType dtype;
    // Position in the reference's Dtype enum, which lists types in increasing
    // alignment; the writer orders tensors by it, largest first.
    int alignment_rank;
};
constexpr std::array<DTypeName, 10> kDTypeNames{{
    {"BOOL", DType::boolean, 0},
    {"U8", DType::uint8, 1},
    {"I8", DType::int8, 2},
    {"I16", DType::int16, 5},
    {"F16", DType::float16, 7},
    {"BF16", DType::bfloat16, 8},
    {"I32", DType::int32, 9},
    {"F32", DType::float32, 11},
    {"F64", DType::float64, 12},
    {"I64", DType::int64, 13},
}};

const DTypeName& dtype_entry(DType dtype) {
    for (const auto& entry : kDTypeNames)
        if (entry.dtype == dtype) return entry;
    throw InvalidArgument("dtype " + std::string(dtype_name(dtype)) + " has no safetensors name");
}

// JSON Pointer token (RFC 6901): '~' -> "~0", '/' -> "~1".
std::string pointer_token(std::string_view key) {
    std::string out;
    for (const char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

std::string tensor_path(std::string_view name, std::string_view field = {}) {
    std::string path = "/" + pointer_token(name);
    if (!field.empty()) path += "/" + std::string(field);
    return path;
}

[[noreturn]] void fail(const std::string& what, ErrorLocation where = {}) {
    throw TensorFileError(".safetensors: " + what, std::move(where));
}

[[noreturn]] void fail_tensor(std::string_view name, std::string_view field, const std::string& what) {
    fail("tensor " + detail::quoted_for_message(name) + ": " + what, ErrorLocation::at_json_path(tensor_path(name, field)));
}

struct Entry {
    std::string name;
    DType dtype = DType::float32;
    Shape shape;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

struct ParsedFile {
    std::vector<Entry> entries;  // in data-offset order
    Json metadata = Json::object();
    std::uint64_t data_start = 0;
};

// One bounded pass: the library's JSON bounds, and duplicate keys refused
// (the tree would keep the last), so a name cannot silently point at two places.
Json parse_header_json(std::string_view text, const Limits& limits) {
    std::string current_tensor;
    const auto refuse_duplicates = [&](std::size_t depth, const std::string& key, bool duplicate) {
        if (depth == 1) current_tensor = key;
        if (!duplicate) return;
        const std::string path = depth == 1   ? tensor_path(key)
                                 : depth == 2 ? tensor_path(current_tensor, pointer_token(key))
                                              : tensor_path(current_tensor);
        fail("duplicate key " + detail::quoted_for_message(key) + " in the header JSON", ErrorLocation::at_json_path(path));
    };
    try {
        return detail::parse_json(text, limits, refuse_duplicates);
    } catch (const detail::JsonTextError& error) {
        fail(std::string("header is ") + error.what(),
             error.offset ? ErrorLocation::at_offset(kSizeFieldSize + *error.offset) : ErrorLocation{});
    }
}

std::uint64_t unsigned_value(const Json& value, std::string_view name, std::string_view field) {
    if (!value.is_number_unsigned())
        fail_tensor(name, field, "'" + std::string(field) + "' must hold non-negative integers, found " + value.dump());
    return value.get<std::uint64_t>();
}

Entry parse_entry(const std::string& name, const Json& info, const Limits& limits) {
    if (!info.is_object()) fail_tensor(name, {}, "entry must be an object, found " + std::string(info.type_name()));
    for (const auto& [key, value] : info.items()) {
        if (key != "dtype" && key != "shape" && key != "data_offsets")
            fail_tensor(name, pointer_token(key),
                        "unexpected key " + detail::quoted_for_message(key) + " (expected dtype, shape, data_offsets)");
    }
    Entry entry;
    entry.name = name;

    const auto dtype = info.find("dtype");
    if (dtype == info.end()) fail_tensor(name, {}, "no 'dtype'");
    if (!dtype->is_string()) fail_tensor(name, "dtype", "'dtype' must be a string");
    const auto& dtype_text = dtype->get_ref<const std::string&>();
    const auto known = std::find_if(kDTypeNames.begin(), kDTypeNames.end(),
                                    [&](const DTypeName& entry) { return entry.name == dtype_text; });
    if (known == kDTypeNames.end())
        fail_tensor(name, "dtype",
                    "unsupported dtype " + detail::quoted_for_message(dtype_text) +
                        " (supported: BOOL, U8, I8, I16, I32, I64, F16, BF16, F32, F64)");
    entry.dtype = known->dtype;

    const auto shape = info.find("shape");
    if (shape == info.end()) fail_tensor(name, {}, "no 'shape'");
    if (!shape->is_array()) fail_tensor(name, "shape", "'shape' must be an array");
    if (shape->size() > limits.max_rank)
        fail_tensor(name, "shape",
                    "rank " + std::to_string(shape->size()) + " exceeds the limit of " + std::to_string(limits.max_rank));
    for (const auto& dimension : *shape) entry.shape.push_back(unsigned_value(dimension, name, "shape"));

    const auto offsets = info.find("data_offsets");
    if (offsets == info.end()) fail_tensor(name, {}, "no 'data_offsets'");
    if (!offsets->is_array() || offsets->size() != 2)
        fail_tensor(name, "data_offsets", "'data_offsets' must be an array [begin, end]");
    entry.begin = unsigned_value((*offsets)[0], name, "data_offsets");
    entry.end = unsigned_value((*offsets)[1], name, "data_offsets");
    return entry;
}

void check_metadata(const Json& metadata) {
    if (metadata.is_null()) return;
    if (!metadata.is_object())
        fail("\"__metadata__\" must be an object of strings", ErrorLocation::at_json_path("/__metadata__"));
    for (const auto& [key, value] : metadata.items()) {
        if (!value.is_string())
            fail("\"__metadata__\" value " + detail::quoted_for_message(key) + " must be a string, found " +
                     std::string(value.type_name()),
                 ErrorLocation::at_json_path("/__metadata__/" + pointer_token(key)));
    }
}

std::string offsets_text(const Entry& entry) {
    return "[" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "]";
}

ParsedFile parse_file(std::span<const std::byte> file, const Limits& limits) {
    detail::check_input_size(file.size(), limits, ".safetensors");
    if (file.size() < kSizeFieldSize)
        fail("file of " + std::to_string(file.size()) + " bytes is shorter than the 8-byte header size",
             ErrorLocation::at_offset(0));
    const auto header_size = detail::load_le<std::uint64_t>(file.data());
    if (header_size > kSafetensorsMaxHeaderSize)
        fail("header size " + std::to_string(header_size) + " exceeds the " +
                 std::to_string(kSafetensorsMaxHeaderSize) + "-byte limit",
             ErrorLocation::at_offset(0));
    if (header_size > file.size() - kSizeFieldSize)
        fail("header of " + std::to_string(header_size) + " bytes runs past the end of the file (" +
                 std::to_string(file.size()) + " bytes)",
             ErrorLocation::at_offset(0));
    const std::string_view text(reinterpret_cast<const char*>(file.data() + kSizeFieldSize), header_size);
    if (text.empty() || text.front() != '{')
        fail("header must be a JSON object starting with '{'", ErrorLocation::at_offset(kSizeFieldSize));

    Json header = parse_header_json(text, limits);
    ParsedFile parsed;
    parsed.data_start = kSizeFieldSize + header_size;
    for (const auto& [key, value] : header.items()) {
        if (key == kMetadataKey) {
            check_metadata(value);
            if (value.is_object()) parsed.metadata = value;
        } else {
            parsed.entries.push_back(parse_entry(key, value, limits));
        }
    }

    std::stable_sort(parsed.entries.begin(), parsed.entries.end(), [](const Entry& left, const Entry& right) {
        return std::pair(left.begin, left.end) < std::pair(right.begin, right.end);
    });
    const std::uint64_t buffer_size = file.size() - parsed.data_start;
    std::uint64_t expected_begin = 0;
    const Entry* previous = nullptr;
    for (const Entry& entry : parsed.entries) {
        if (entry.end < entry.begin)
            fail_tensor(entry.name, "data_offsets", "data_offsets " + offsets_text(entry) + " end before they begin");
        if (entry.end > buffer_size)
            fail_tensor(entry.name, "data_offsets",
                        "data_offsets " + offsets_text(entry) + " run past the end of the " +
                            std::to_string(buffer_size) + "-byte data buffer");
        if (entry.begin < expected_begin)
            fail_tensor(entry.name, "data_offsets",
                        "data_offsets " + offsets_text(entry) + " overlap tensor " +
                            detail::quoted_for_message(previous->name) + " " + offsets_text(*previous));
        if (entry.begin > expected_begin)
            fail_tensor(entry.name, "data_offsets",
                        "data_offsets " + offsets_text(entry) + " leave a gap: " +
                            (previous ? "the previous tensor " + detail::quoted_for_message(previous->name) +
                                            " ends at " + std::to_string(expected_begin)
                                      : std::string("the first tensor must begin at 0")));
        const auto needed = tensor_byte_size(entry.dtype, entry.shape);
        const std::string described =
            detail::format_shape(entry.shape, false) + " of " + std::string(dtype_entry(entry.dtype).name);
        if (!needed) fail_tensor(entry.name, "shape", "shape " + described + " holds more than 2^64 bytes");
        if (entry.end - entry.begin != *needed)
            fail_tensor(entry.name, "data_offsets",
                        "data_offsets " + offsets_text(entry) + " span " + std::to_string(entry.end - entry.begin) +
                            " bytes but shape " + described + " needs " + std::to_string(*needed));
        if (*needed > limits.max_chunk_size)
            fail_tensor(entry.name, "shape",
                        "shape " + described + " holds " + std::to_string(*needed) +
                            " bytes, more than a chunk can hold (limit " + std::to_string(limits.max_chunk_size) +
                            " bytes)");
        expected_begin = entry.end;
        previous = &entry;
    }
    if (expected_begin != buffer_size)
        fail("the tensors cover " + std::to_string(expected_begin) + " bytes of the " + std::to_string(buffer_size) +
                 "-byte data buffer (it must be covered exactly)",
             ErrorLocation::at_offset(parsed.data_start + expected_begin));
    return parsed;
}

Tensor copy_tensor(std::span<const std::byte> file, const ParsedFile& parsed, const Entry& entry) {
    return Tensor(entry.dtype, entry.shape,
                  Bytes::copy_of(file.subspan(parsed.data_start + entry.begin, entry.end - entry.begin)));
}

std::vector<NamedTensor> decode_all(std::span<const std::byte> file, const Limits& limits) {
    const ParsedFile parsed = parse_file(file, limits);
    std::vector<NamedTensor> out;
    out.reserve(parsed.entries.size());
    for (const Entry& entry : parsed.entries) out.push_back({entry.name, copy_tensor(file, parsed, entry)});
    return out;
}

Tensor decode_one(std::span<const std::byte> file, std::string_view name, const Limits& limits) {
    const ParsedFile parsed = parse_file(file, limits);
    for (const Entry& entry : parsed.entries)
        if (entry.name == name) return copy_tensor(file, parsed, entry);
    std::string available;
    constexpr std::size_t kNamesShown = 10;
    for (std::size_t i = 0; i < parsed.entries.size() && i < kNamesShown; ++i)
        available += (i > 0 ? ", " : "") + detail::quoted_for_message(parsed.entries[i].name);
    if (parsed.entries.size() > kNamesShown) available += ", ...";
    fail("no tensor named " + detail::quoted_for_message(name) + " (the file has " +
         std::to_string(parsed.entries.size()) + (parsed.entries.size() == 1 ? " tensor" : " tensors") +
         (available.empty() ? "" : ": " + available) + ")");
}

// The header bytes (size field, JSON, padding) and the tensors in data order.
struct PreparedFile {
    std::vector<std::byte> head;
    std::vector<const NamedTensor*> data_order;
    std::uint64_t data_size = 0;
};

PreparedFile prepare(const std::vector<NamedTensor>& tensors, const Json* metadata) {
    PreparedFile prepared;
    std::unordered_set<std::string_view> names;
    for (const NamedTensor& named : tensors) {
        if (named.name == kMetadataKey)
            throw InvalidArgument("a safetensors tensor cannot be named \"__metadata__\"");
        if (!names.insert(named.name).second)
            throw InvalidArgument("duplicate tensor name " + detail::quoted_for_message(named.name));
        prepared.data_order.push_back(&named);
    }
    std::sort(prepared.data_order.begin(), prepared.data_order.end(),
              [](const NamedTensor* left, const NamedTensor* right) {
                  const int left_rank = dtype_entry(left->tensor.dtype()).alignment_rank;
                  const int right_rank = dtype_entry(right->tensor.dtype()).alignment_rank;
                  if (left_rank != right_rank) return left_rank > right_rank;
                  return left->name < right->name;
              });

    Json header = Json::object();
    if (metadata) {
        if (!metadata->is_object()) throw InvalidArgument("safetensors metadata must be a JSON object");
        for (const auto& [key, value] : metadata->items())
            if (!value.is_string())
                throw InvalidArgument("safetensors metadata value " + detail::quoted_for_message(key) +
                                      " must be a string");
        header[std::string(kMetadataKey)] = *metadata;
    }
    for (const NamedTensor* named : prepared.data_order) {
        const std::uint64_t size = named->tensor.bytes().size();
        Json info = Json::object();
        info["dtype"] = std::string(dtype_entry(named->tensor.dtype()).name);
        info["shape"] = named->tensor.shape();
        info["data_offsets"] = Json::array({prepared.data_size, prepared.data_size + size});
        header[named->name] = std::move(info);
        prepared.data_size += size;
    }

    std::string text;
    try {
        text = header.dump();
    } catch (const Json::type_error&) {
        throw InvalidArgument("a safetensors tensor name or metadata string is not valid UTF-8");
    }
    text.append((8 - text.size() % 8) % 8, ' ');
    if (text.size() > kSafetensorsMaxHeaderSize)
        throw InvalidArgument("safetensors header of " + std::to_string(text.size()) + " bytes exceeds the " +
                              std::to_string(kSafetensorsMaxHeaderSize) + "-byte limit readers enforce");
    prepared.head.resize(kSizeFieldSize + text.size());
    detail::store_le<std::uint64_t>(prepared.head.data(), text.size());
    std::memcpy(prepared.head.data() + kSizeFieldSize, text.data(), text.size());
    return prepared;
}

}  // namespace

std::vector<NamedTensor> read_safetensors(std::span<const std::byte> file, const Limits& limits) {
    return decode_all(file, limits);
}

Tensor read_safetensors_tensor(std::span<const std::byte> file, std::string_view name, const Limits& limits) {
    return decode_one(file, name, limits);
}

Json read_safetensors_metadata(std::span<const std::byte> file, const Limits& limits) {
    return parse_file(file, limits).metadata;
}

std::vector<NamedTensor> read_safetensors_file(const std::filesystem::path& path, const Limits& limits) {
    return detail::decode_mapped_file(path, [&](std::span<const std::byte> bytes) { return decode_all(bytes, limits); });
}

Tensor read_safetensors_tensor_file(const std::filesystem::path& path, std::string_view name, const Limits& limits) {
    return detail::decode_mapped_file(path,
                                      [&](std::span<const std::byte> bytes) { return decode_one(bytes, name, limits); });
}

Json read_safetensors_metadata_file(const std::filesystem::path& path, const Limits& limits) {
    return detail::decode_mapped_file(path,
                                      [&](std::span<const std::byte> bytes) { return parse_file(bytes, limits).metadata; });
}

std::vector<std::byte> encode_safetensors(const std::vector<NamedTensor>& tensors, const Json* metadata) {
    const PreparedFile prepared = prepare(tensors, metadata);
    std::vector<std::byte> out;
    out.reserve(prepared.head.size() + prepared.data_size);
    out.insert(out.end(), prepared.head.begin(), prepared.head.end());
    for (const NamedTensor* named : prepared.data_order)
        out.insert(out.end(), named->tensor.bytes().begin(), named->tensor.bytes().end());
    return out;
}

void write_safetensors_file(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors,
                            const Json* metadata) {
    const PreparedFile prepared = prepare(tensors, metadata);
    detail::AtomicFile file(path);
    file.write(prepared.head);
    for (const NamedTensor* named : prepared.data_order) file.write(named->tensor.bytes());
    file.commit();
}

RAIIAF_NAMESPACE_END
