// numpy's .npy format, versions 1.0, 2.0 and 3.0 (numpy.lib.format):
//   "\x93NUMPY", major, minor, header length (u16 LE in 1.0, u32 LE after),
//   the header: the repr of a Python dict {'descr', 'fortran_order', 'shape'},
//   padded with spaces and a newline, then the array data.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "format/little_endian.hpp"
#include "interop/tensor_file.hpp"
#include "io/atomic_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/tensor_io.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {

constexpr std::array<unsigned char, 6> kMagic{0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr std::size_t kVersionOffset = kMagic.size();
constexpr std::size_t kLengthOffset = kVersionOffset + 2;
constexpr std::uint64_t kArrayAlign = 64;
// numpy.save leaves room for the growth axis's length to reach this many digits.
constexpr std::size_t kGrowthAxisMaxDigits = 21;

struct TypeCode {
    std::string_view code;  // descr without its byte-order character
    DType dtype;
};
constexpr std::array<TypeCode, 9> kTypeCodes{{
    {"f2", DType::float16},
    {"f4", DType::float32},
    {"f8", DType::float64},
    {"i1", DType::int8},
    {"i2", DType::int16},
    {"i4", DType::int32},
    {"i8", DType::int64},
    {"u1", DType::uint8},
    {"b1", DType::boolean},
}};

[[noreturn]] void fail(const std::string& what, std::uint64_t offset) {
    throw TensorFileError(".npy: " + what, ErrorLocation::at_offset(offset));
}

struct HeaderFields {
    std::optional<std::string> descr;
    std::optional<bool> fortran_order;
    std::optional<Shape> shape;
};

// A strict parser for the one Python literal a .npy header holds: a dict of
// string keys whose values are a string, a bool or a tuple of ints. Anything
// else (expressions, escapes, comments, other value types) is an error: the
// header is never evaluated.
class HeaderParser {
public:
    HeaderParser(std::string_view text, std::uint64_t file_offset, bool allow_long_suffix, std::uint32_t max_rank)
        : text_(text), base_(file_offset), allow_long_suffix_(allow_long_suffix), max_rank_(max_rank) {}

    HeaderFields parse() {
        HeaderFields fields;
        skip_space();
        expect('{', "the header to be a dict starting with '{'");
        while (true) {
            skip_space();
            if (peek() == '}') break;
            const std::uint64_t key_position = pos_;
            const std::string key = parse_string("a string key");
            skip_space();
            expect(':', "':' after the key");
            skip_space();
            if (key == "descr") {
                set_once(fields.descr, parse_descr(), key, key_position);
            } else if (key == "fortran_order") {
                set_once(fields.fortran_order, parse_bool("fortran_order"), key, key_position);
            } else if (key == "shape") {
                set_once(fields.shape, parse_shape(), key, key_position);
            } else {
                pos_ = key_position;
                fail_here("unexpected key " + detail::quoted_for_message(key) +
                          " (the header holds exactly 'descr', 'fortran_order' and 'shape')");
            }
            skip_space();
            if (!consume(',')) break;
        }
        skip_space();
        expect('}', "',' or '}'");
        skip_space();
        if (pos_ != text_.size()) fail_here("unexpected " + describe_next() + " after the header dict");
        if (!fields.descr) fail_here("the header has no 'descr'");
        if (!fields.fortran_order) fail_here("the header has no 'fortran_order'");
        if (!fields.shape) fail_here("the header has no 'shape'");
        return fields;
    }

private:
    [[noreturn]] void fail_here(const std::string& what) const { fail("header: " + what, base_ + pos_); }

    template <class T>
    void set_once(std::optional<T>& slot, T value, const std::string& key, std::uint64_t key_position) {
        if (slot) {
            pos_ = key_position;
            fail_here("duplicate key '" + key + "'");
        }
        slot = std::move(value);
    }

    [[nodiscard]] int peek() const {
        return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : -1;
    }
    bool consume(char c) {
        if (peek() != static_cast<unsigned char>(c)) return false;
        ++pos_;
        return true;
    }
    void expect(char c, const std::string& what) {
        if (!consume(c)) fail_here("expected " + what + ", found " + describe_next());
    }
    void skip_space() {
        while (pos_ < text_.size() && std::string_view(" \t\n\r\f").find(text_[pos_]) != std::string_view::npos) ++pos_;
    }
    [[nodiscard]] std::string describe_next() const {
        const int c = peek();
        if (c < 0) return "the end of the header";
        if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
        static constexpr char kHex[] = "0123456789abcdef";
        return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0xF];
    }

    std::string parse_string(const std::string& what) {
        const int quote = peek();
        if (quote != '\'' && quote != '"') fail_here("expected " + what + ", found " + describe_next());
        ++pos_;
        const std::size_t start = pos_;
        while (peek() != quote) {
            const int c = peek();
            if (c < 0) fail_here("unterminated string");
            if (c == '\\') fail_here("escape sequences are not supported in header strings");
            if (c < 0x20 || c >= 0x7F) fail_here("unexpected " + describe_next() + " in a string");
            ++pos_;
        }
        ++pos_;
        return std::string(text_.substr(start, pos_ - start - 1));
    }

    std::string parse_descr() {
        if (peek() == '[') fail_here("structured dtypes (a list 'descr') are not supported");
        if (peek() == '(') fail_here("subarray dtypes (a tuple 'descr') are not supported");
        return parse_string("a dtype string for 'descr'");
    }

    bool parse_bool(const std::string& key) {
        static constexpr std::array<std::pair<std::string_view, bool>, 2> kWords{{{"True", true}, {"False", false}}};
        for (const auto& [word, value] : kWords) {
            if (text_.substr(pos_, word.size()) == word) {
                const std::size_t after = pos_ + word.size();
                const bool word_ends = after == text_.size() || !(std::isalnum(static_cast<unsigned char>(text_[after])) ||
                                                                  text_[after] == '_');
                if (word_ends) {
                    pos_ = after;
                    return value;
                }
            }
        }
        fail_here("expected True or False for '" + key + "', found " + describe_next());
    }

    std::uint64_t parse_dimension() {
        if (peek() == '-') fail_here("negative dimension in 'shape'");
        if (peek() < '0' || peek() > '9') fail_here("expected an integer in 'shape', found " + describe_next());
        const std::uint64_t start = pos_;
        std::uint64_t value = 0;
        while (peek() >= '0' && peek() <= '9') {
            const auto digit = static_cast<std::uint64_t>(peek() - '0');
            if (value > (UINT64_MAX - digit) / 10) {
                pos_ = start;
                fail_here("dimension in 'shape' does not fit 64 bits");
            }
            value = value * 10 + digit;
            ++pos_;
        }
        if (text_[start] == '0' && pos_ - start > 1) {
            pos_ = start;
            fail_here("dimension in 'shape' has a leading zero");
        }
        // Python 2 wrote longs as "3L"; numpy still reads them in 1.0 and 2.0 files.
        if (allow_long_suffix_ && peek() == 'L') ++pos_;
        if (std::isalpha(peek()) || peek() == '_' || peek() == '.')
            fail_here("expected an integer in 'shape', found " + describe_next());
        return value;
    }

    Shape parse_shape() {
        expect('(', "a tuple for 'shape'");
        Shape shape;
        skip_space();
        if (consume(')')) return shape;
        while (true) {
            if (shape.size() >= max_rank_)
                fail_here("'shape' has more than " + std::to_string(max_rank_) + " dimensions (the rank limit)");
            shape.push_back(parse_dimension());
            skip_space();
            if (consume(',')) {
                skip_space();
                if (consume(')')) break;
                continue;
            }
            if (shape.size() == 1 && peek() == ')') fail_here("'shape' (n) is an int, not a tuple; write (n,)");
            expect(')', "',' or ')' in 'shape'");
            break;
        }
        return shape;
    }

    std::string_view text_;
    std::uint64_t base_;
    bool allow_long_suffix_;
    std::uint32_t max_rank_;
    std::size_t pos_ = 0;
};

struct ParsedDescr {
    DType dtype;
    bool big_endian;
};

ParsedDescr parse_descr_value(const std::string& descr, std::uint64_t offset) {
    const std::string shown = detail::quoted_for_message(descr);
    if (descr.find('O') != std::string::npos)
        fail("object arrays (descr " + shown + ") hold pickled Python objects and are not supported", offset);
    if (descr.size() == 3) {
        const char order = descr[0];
        const std::string_view code = std::string_view(descr).substr(1);
        for (const auto& entry : kTypeCodes) {
            if (entry.code != code) continue;
            const bool single_byte = dtype_size(entry.dtype) == 1;
            if (order == '<' || order == '=' || (order == '|' && single_byte)) return {entry.dtype, false};
            if (order == '>') return {entry.dtype, !single_byte};
            break;
        }
    }
    if (!descr.empty() && descr.find('V') != std::string::npos)
        fail("dtype " + shown + " is an opaque void type (ml_dtypes' bfloat16 is saved like this); "
             "store bfloat16 tensors as .safetensors instead",
             offset);
    fail("unsupported dtype " + shown +
             " (supported: '<f2', '<f4', '<f8', '|i1', '<i2', '<i4', '<i8', '|u1', '|b1', in either byte order)",
         offset);
}

struct NpyLayout {
    DType dtype = DType::float32;
    bool big_endian = false;
    bool fortran_order = false;
    Shape shape;
    std::uint64_t data_offset = 0;
    std::uint64_t data_size = 0;
};

NpyLayout parse_layout(std::span<const std::byte> file, const Limits& limits) {
    detail::check_input_size(file.size(), limits, ".npy");
    const std::size_t magic_checked = std::min(file.size(), kMagic.size());
    if (magic_checked == 0 || std::memcmp(file.data(), kMagic.data(), magic_checked) != 0)
        fail("not a .npy file: it does not start with \"\\x93NUMPY\"", 0);
    if (file.size() < kLengthOffset)
        fail("truncated: " + std::to_string(file.size()) + " bytes, too short for the magic and version", 0);
    const auto major = static_cast<unsigned>(file[kVersionOffset]);
    const auto minor = static_cast<unsigned>(file[kVersionOffset + 1]);
    if (minor != 0 || major < 1 || major > 3)
        fail("unsupported format version " + std::to_string(major) + "." + std::to_string(minor) +
                 " (1.0, 2.0 and 3.0 are known)",
             kVersionOffset);
    const std::size_t length_size = major == 1 ? 2 : 4;
    if (file.size() < kLengthOffset + length_size)
        fail("truncated: the file ends inside the header length field", kLengthOffset);
    const std::uint64_t header_length = major == 1 ? detail::load_le<std::uint16_t>(file.data() + kLengthOffset)
                                                   : detail::load_le<std::uint32_t>(file.data() + kLengthOffset);
    const std::uint64_t header_offset = kLengthOffset + length_size;
    if (header_length > file.size() - header_offset)
        fail("header length " + std::to_string(header_length) + " runs past the end of the file (" +
                 std::to_string(file.size()) + " bytes)",
             kLengthOffset);

    const std::string_view header_text(reinterpret_cast<const char*>(file.data() + header_offset), header_length);
    HeaderParser parser(header_text, header_offset, major <= 2, limits.max_rank);
    HeaderFields fields = parser.parse();

    NpyLayout layout;
    const ParsedDescr descr = parse_descr_value(*fields.descr, header_offset);
    layout.dtype = descr.dtype;
    layout.big_endian = descr.big_endian;
    layout.fortran_order = *fields.fortran_order;
    layout.shape = std::move(*fields.shape);
    layout.data_offset = header_offset + header_length;

    const std::string described =
        detail::format_shape(layout.shape, true) + " of " + std::string(dtype_name(layout.dtype));
    const auto needed = tensor_byte_size(layout.dtype, layout.shape);
    if (!needed) fail("shape " + described + " holds more than 2^64 bytes", header_offset);
    layout.data_size = *needed;
    const std::uint64_t available = file.size() - layout.data_offset;
    if (available < layout.data_size)
        fail("data too short: shape " + described + " needs " + std::to_string(layout.data_size) +
                 " bytes, the file has " + std::to_string(available) + " after the header",
             layout.data_offset);
    // numpy.load ignores bytes after the array; they mean a damaged file or
    // several arrays saved into one, so they are rejected rather than dropped.
    if (available > layout.data_size)
        fail(std::to_string(available - layout.data_size) +
                 " trailing bytes after the array data (a .npy file holds exactly one array)",
             layout.data_offset + layout.data_size);
    // Decided by the header alone, before the data is touched or copied (a real 5 GiB file
    // is refused here without the 10 GB its copy and the writer would take).
    if (layout.data_size > limits.max_chunk_size)
        fail("shape " + described + " holds " + std::to_string(layout.data_size) +
                 " bytes, more than a chunk can hold (limit " + std::to_string(limits.max_chunk_size) + " bytes)",
             header_offset);
    return layout;
}

// The array data as C-ordered little-endian bytes.
std::vector<std::byte> to_c_order_little_endian(std::span<const std::byte> data, const NpyLayout& layout) {
    std::vector<std::byte> out(data.size());
    const std::size_t item = dtype_size(layout.dtype);
    const std::size_t rank = layout.shape.size();
    if (layout.fortran_order && rank > 1 && !data.empty()) {
        // Walk the output in C order; the source index advances by the
        // Fortran stride of whichever axis the odometer steps.
        std::vector<std::uint64_t> fortran_stride(rank, 1);
        for (std::size_t axis = 1; axis < rank; ++axis)
            fortran_stride[axis] = fortran_stride[axis - 1] * layout.shape[axis - 1];
        std::vector<std::uint64_t> index(rank, 0);
        std::uint64_t source = 0;
        const std::uint64_t count = data.size() / item;
        for (std::uint64_t target = 0; target < count; ++target) {
            std::memcpy(out.data() + target * item, data.data() + source * item, item);
            for (std::size_t axis = rank; axis-- > 0;) {
                if (++index[axis] < layout.shape[axis]) {
                    source += fortran_stride[axis];
                    break;
                }
                source -= (layout.shape[axis] - 1) * fortran_stride[axis];
                index[axis] = 0;
            }
        }
    } else if (!data.empty()) {
        std::memcpy(out.data(), data.data(), data.size());
    }
    if (layout.big_endian)
        for (std::size_t at = 0; at + item <= out.size(); at += item) std::reverse(out.begin() + at, out.begin() + at + item);
    return out;
}

Tensor decode(std::span<const std::byte> file, const Limits& limits) {
    const NpyLayout layout = parse_layout(file, limits);
    auto bytes = to_c_order_little_endian(file.subspan(layout.data_offset, layout.data_size), layout);
    return Tensor(layout.dtype, layout.shape, Bytes(std::move(bytes)));
}

std::string_view descr_of(DType dtype) {
    switch (dtype) {
    case DType::float16: return "<f2";
    case DType::float32: return "<f4";
    case DType::float64: return "<f8";
    case DType::int8: return "|i1";
    case DType::int16: return "<i2";
    case DType::int32: return "<i4";
    case DType::int64: return "<i8";
    case DType::uint8: return "|u1";
    case DType::boolean: return "|b1";
    case DType::bfloat16: break;
    }
    throw InvalidArgument("numpy has no bfloat16 dtype: convert the tensor to float32 or write .safetensors");
}

// The header numpy.save writes (numpy.lib.format._write_array_header).
std::vector<std::byte> encode_header(const Tensor& tensor) {
    std::string dict = "{'descr': '" + std::string(descr_of(tensor.dtype())) +
                       "', 'fortran_order': False, 'shape': " + detail::format_shape(tensor.shape(), true) + ", }";
    if (!tensor.shape().empty()) dict.append(kGrowthAxisMaxDigits - std::to_string(tensor.shape()[0]).size(), ' ');

    // Version 1.0 unless the padded header overflows its 16-bit length.
    for (const unsigned major : {1u, 2u}) {
        const std::size_t length_size = major == 1 ? 2 : 4;
        const std::uint64_t prefix = kLengthOffset + length_size;
        const std::uint64_t unpadded = dict.size() + 1;  // + the final newline
        const std::uint64_t padding = kArrayAlign - (prefix + unpadded) % kArrayAlign;
        const std::uint64_t header_length = unpadded + padding;
        if (major == 1 && header_length > 0xFFFF) continue;
        if (header_length > 0xFFFFFFFFull) break;
        std::vector<std::byte> out(prefix + header_length, std::byte{' '});
        std::memcpy(out.data(), kMagic.data(), kMagic.size());
        out[kVersionOffset] = std::byte(major);
        out[kVersionOffset + 1] = std::byte{0};
        if (major == 1)
            detail::store_le<std::uint16_t>(out.data() + kLengthOffset, static_cast<std::uint16_t>(header_length));
        else
            detail::store_le<std::uint32_t>(out.data() + kLengthOffset, static_cast<std::uint32_t>(header_length));
        std::memcpy(out.data() + prefix, dict.data(), dict.size());
        out.back() = std::byte{'\n'};
        return out;
    }
    throw InvalidArgument("tensor shape is too long for a .npy header");
}

}  // namespace

Tensor read_npy(std::span<const std::byte> file, const Limits& limits) { return decode(file, limits); }

Tensor read_npy_file(const std::filesystem::path& path, const Limits& limits) {
    return detail::decode_mapped_file(path, [&](std::span<const std::byte> bytes) { return decode(bytes, limits); });
}

std::vector<std::byte> encode_npy(const Tensor& tensor) {
    std::vector<std::byte> out = encode_header(tensor);
    out.insert(out.end(), tensor.bytes().begin(), tensor.bytes().end());
    return out;
}

void write_npy_file(const std::filesystem::path& path, const Tensor& tensor) {
    const std::vector<std::byte> header = encode_header(tensor);
    detail::AtomicFile file(path);
    file.write(header);
    file.write(tensor.bytes());
    file.commit();
}

RAIIAF_NAMESPACE_END
