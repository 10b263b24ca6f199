// .safetensors reading and writing: the reference implementation's own
// serialization tests, round trips, and hostile input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/errors.hpp"
#include "raiiaf/tensor_io.hpp"
#include "expect_error.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::random_tensor;

std::vector<std::byte> bytes_of(std::string_view text) {
    const auto view = std::as_bytes(std::span(text.data(), text.size()));
    return {view.begin(), view.end()};
}

std::vector<std::byte> le64(std::uint64_t value) {
    std::vector<std::byte> out(8);
    for (int i = 0; i < 8; ++i) out[i] = std::byte((value >> (8 * i)) & 0xFFu);
    return out;
}

// A file with this header text (written as is) and a data buffer of
// `data_size` bytes counting up from 0.
std::vector<std::byte> safetensors_file(std::string_view header, std::size_t data_size = 0) {
    std::vector<std::byte> out = le64(header.size());
    const auto text = bytes_of(header);
    out.insert(out.end(), text.begin(), text.end());
    for (std::size_t i = 0; i < data_size; ++i) out.push_back(std::byte(i & 0xFFu));
    return out;
}

std::vector<std::byte> floats(std::initializer_list<float> values) {
    std::vector<std::byte> out(values.size() * 4);
    std::memcpy(out.data(), std::data(values), out.size());
    return out;
}

std::string read_error(const std::vector<std::byte>& file, const Limits& limits = {}) {
    return testing::thrown_message<TensorFileError>([&] { (void)read_safetensors(file, limits); });
}

#define EXPECT_ST_ERROR(file, text) EXPECT_MESSAGE_HAS(read_error(file), text)

std::string header_text(const std::vector<std::byte>& file) {
    std::uint64_t size = 0;
    std::memcpy(&size, file.data(), 8);
    return {reinterpret_cast<const char*>(file.data()) + 8, size};
}

// ---- the reference implementation's serialization tests (tensor.rs) ----------

TEST(Safetensors, WritesWhatTheReferenceWrites) {
    const auto data = floats({0, 1, 2, 3, 4, 5});
    {
        const auto out = encode_safetensors({{"attn.0", Tensor(DType::float32, {1, 2, 3}, Bytes(data))}});
        const std::string json = R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
        ASSERT_EQ(json.size(), 64u);
        std::vector<std::byte> expected = le64(64);
        const auto text = bytes_of(json);
        expected.insert(expected.end(), text.begin(), text.end());
        expected.insert(expected.end(), data.begin(), data.end());
        EXPECT_EQ(out, expected);
    }
    {  // forced alignment: the JSON is padded with spaces to a multiple of 8
        const auto out = encode_safetensors({{"attn0", Tensor(DType::float32, {1, 1, 2, 3}, Bytes(data))}});
        EXPECT_EQ(header_text(out), R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})"
                                    "       ");
        EXPECT_EQ(out.size(), 8u + 72u + 24u);
    }
    EXPECT_EQ(encode_safetensors({}), bytes_of(std::string_view("\x08\0\0\0\0\0\0\0{}      ", 16)));
    const Json metadata = {{"framework", "pt"}};
    const auto with_metadata = encode_safetensors({}, &metadata);
    EXPECT_EQ(with_metadata.size(), 48u);
    EXPECT_EQ(header_text(with_metadata), R"({"__metadata__":{"framework":"pt"}})"
                                          "     ");
}

TEST(Safetensors, WriterOrdersByDtypeAlignmentThenName) {
    const std::vector<NamedTensor> tensors{
        {"b", random_tensor(DType::float16, {2})},  {"flag", random_tensor(DType::boolean, {3})},
        {"a", random_tensor(DType::float16, {1})},  {"z", random_tensor(DType::int64, {1})},
        {"w", random_tensor(DType::float32, {2})},  {"bf", random_tensor(DType::bfloat16, {2})},
        {"u", random_tensor(DType::uint8, {2})},    {"i", random_tensor(DType::int8, {2})},
        {"s", random_tensor(DType::int16, {2})},    {"d", random_tensor(DType::float64, {1})},
        {"n", random_tensor(DType::int32, {1})},
    };
    const auto out = encode_safetensors(tensors);
    const Json header = Json::parse(header_text(out));
    std::vector<std::string> keys;
    for (const auto& [key, value] : header.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"z", "d", "w", "n", "bf", "a", "b", "s", "i", "u", "flag"}));
    EXPECT_EQ(header["z"]["data_offsets"], Json::parse("[0, 8]"));
    EXPECT_EQ(header["d"]["data_offsets"], Json::parse("[8, 16]"));
    EXPECT_EQ(header["flag"]["data_offsets"][1], out.size() - 8 - header_text(out).size());
    EXPECT_EQ(header_text(out).size() % 8, 0u);

    const auto back = read_safetensors(out);
    ASSERT_EQ(back.size(), keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(back[i].name, keys[i]);
}

TEST(Safetensors, RoundTripsEveryDtypeAndRank) {
    const Shape dims{2, 3, 1, 2, 1, 2, 1, 3};
    std::vector<NamedTensor> tensors;
    for (const DType dtype : {DType::float16, DType::bfloat16, DType::float32, DType::float64, DType::int8,
                              DType::int16, DType::int32, DType::int64, DType::uint8, DType::boolean})
        for (std::size_t rank = 0; rank <= 8; ++rank)
            tensors.push_back({std::string(dtype_name(dtype)) + "/rank" + std::to_string(rank),
                               random_tensor(dtype, Shape(dims.begin(), dims.begin() + rank), unsigned(rank))});
    tensors.push_back({"empty", random_tensor(DType::float32, {3, 0})});
    tensors.push_back({"naïve ✓ \"quoted\"\n", random_tensor(DType::int8, {2})});

    const auto encoded = encode_safetensors(tensors);
    const auto decoded = read_safetensors(encoded);
    ASSERT_EQ(decoded.size(), tensors.size());
    for (const NamedTensor& original : tensors) {
        SCOPED_TRACE(original.name);
        const auto found = std::find_if(decoded.begin(), decoded.end(),
                                        [&](const NamedTensor& named) { return named.name == original.name; });
        ASSERT_NE(found, decoded.end());
        EXPECT_EQ(found->tensor.dtype(), original.tensor.dtype());
        EXPECT_EQ(found->tensor.shape(), original.tensor.shape());
        EXPECT_TRUE(std::ranges::equal(found->tensor.bytes(), original.tensor.bytes()));
        const Tensor one = read_safetensors_tensor(encoded, original.name);
        EXPECT_TRUE(std::ranges::equal(one.bytes(), original.tensor.bytes()));
    }
    EXPECT_EQ(read_safetensors_metadata(encoded), Json::object());
}

TEST(Safetensors, MetadataRoundTrips) {
    const Json metadata = {{"format", "pt"}, {"prompt", "a cat in neon goggles"}, {"steps", "30"}};
    const auto encoded = encode_safetensors({{"x", random_tensor(DType::float32, {2})}}, &metadata);
    EXPECT_EQ(read_safetensors_metadata(encoded), metadata);
    EXPECT_EQ(header_text(encoded).rfind(R"({"__metadata__":{"format":"pt",)", 0), 0u);
}

TEST(Safetensors, ReaderAcceptsAnyKeyOrderAndReturnsDataOrder) {
    const auto file = safetensors_file(
        R"( {"second": {"shape": [2], "data_offsets": [8, 16], "dtype": "F32"},
            "__metadata__": {"k": "v"},
            "first": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}   )",
        16);
    // The header must start with '{'; the leading space above is refused...
    EXPECT_ST_ERROR(file, "starting with '{'");
    // ...and accepted once it is gone.
    const auto fixed = safetensors_file(
        R"({"second": {"shape": [2], "data_offsets": [8, 16], "dtype": "F32"},
            "__metadata__": {"k": "v"},
            "first": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}   )",
        16);
    const auto tensors = read_safetensors(fixed);
    ASSERT_EQ(tensors.size(), 2u);
    EXPECT_EQ(tensors[0].name, "first");
    EXPECT_EQ(tensors[0].tensor.dtype(), DType::int32);
    EXPECT_EQ(tensors[1].name, "second");
    EXPECT_EQ(tensors[1].tensor.bytes()[0], std::byte{8});
    EXPECT_EQ(read_safetensors_metadata(fixed), Json({{"k", "v"}}));
    // A null "__metadata__" is what an absent one is.
    EXPECT_EQ(read_safetensors(safetensors_file(R"({"__metadata__": null})")).size(), 0u);
}

TEST(Safetensors, ZeroSizedTensorsShareAnOffset) {
    const auto file = safetensors_file(
        R"({"a":{"dtype":"F16","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
        R"("c":{"dtype":"BOOL","shape":[3,0],"data_offsets":[2,2]}})",
        2);
    const auto tensors = read_safetensors(file);
    ASSERT_EQ(tensors.size(), 3u);
    EXPECT_EQ(tensors[0].name, "a");
    EXPECT_EQ(tensors[1].name, "b");
    EXPECT_EQ(tensors[2].tensor.shape(), (Shape{3, 0}));
}

TEST(Safetensors, FileVariants) {
    testing::TempDir dir;
    const Json metadata = {{"source", "test"}};
    const std::vector<NamedTensor> tensors{{"noise", random_tensor(DType::float32, {1, 4, 8, 8})},
                                           {"mask", random_tensor(DType::boolean, {8, 8})}};
    write_safetensors_file(dir / "t.safetensors", tensors, &metadata);
    EXPECT_EQ(testing::read_file_bytes(dir / "t.safetensors"), encode_safetensors(tensors, &metadata));
    EXPECT_EQ(read_safetensors_file(dir / "t.safetensors").size(), 2u);
    EXPECT_TRUE(std::ranges::equal(read_safetensors_tensor_file(dir / "t.safetensors", "mask").bytes(),
                                   tensors[1].tensor.bytes()));
    EXPECT_EQ(read_safetensors_metadata_file(dir / "t.safetensors"), metadata);
    EXPECT_THROW((void)read_safetensors_file(dir / "missing.safetensors"), IoError);
    try {
        (void)read_safetensors_tensor_file(dir / "t.safetensors", "latent");
        FAIL() << "found a tensor that is not there";
    } catch (const TensorFileError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("t.safetensors"), std::string::npos) << message;
        EXPECT_NE(message.find("no tensor named \"latent\""), std::string::npos) << message;
        EXPECT_NE(message.find("\"noise\""), std::string::npos) << message;
    }
}

TEST(Safetensors, WriterRejectsWhatItCannotStore) {
    const Tensor t = random_tensor(DType::float32, {1});
    EXPECT_THROW((void)encode_safetensors({{"a", t}, {"a", t}}), InvalidArgument);
    EXPECT_THROW((void)encode_safetensors({{"__metadata__", t}}), InvalidArgument);
    EXPECT_THROW((void)encode_safetensors({{"bad \xff name", t}}), InvalidArgument);
    const Json not_strings = {{"steps", 30}};
    EXPECT_THROW((void)encode_safetensors({{"a", t}}, &not_strings), InvalidArgument);
    const Json not_object = Json::array({"x"});
    EXPECT_THROW((void)encode_safetensors({{"a", t}}, &not_object), InvalidArgument);
}

// ---- hostile input -----------------------------------------------------------

constexpr std::string_view kOne = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

TEST(SafetensorsHostile, TooShortForTheSizeField) {
    EXPECT_ST_ERROR(std::vector<std::byte>{}, "shorter than the 8-byte header size");
    EXPECT_ST_ERROR(bytes_of("{}"), "shorter than the 8-byte header size");
}

TEST(SafetensorsHostile, HeaderSizeHuge) {
    auto file = le64(UINT64_MAX);
    EXPECT_ST_ERROR(file, "exceeds the 100000000-byte limit");
    file = le64(100'000'001);
    EXPECT_ST_ERROR(file, "exceeds the 100000000-byte limit");
}

TEST(SafetensorsHostile, HeaderSizePastEndOfFile) {
    auto file = safetensors_file(kOne, 8);
    const auto size = le64(kOne.size() + 9);  // 1 byte more than header + data
    std::copy(size.begin(), size.end(), file.begin());
    EXPECT_ST_ERROR(file, "runs past the end of the file");
}

TEST(SafetensorsHostile, HeaderIsNotAJsonObject) {
    EXPECT_ST_ERROR(safetensors_file(""), "starting with '{'");
    EXPECT_ST_ERROR(safetensors_file("[1, 2]"), "starting with '{'");
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32")"), "not valid JSON");
    EXPECT_ST_ERROR(safetensors_file(R"({"x":1} trailing)"), "not valid JSON");
    EXPECT_ST_ERROR(safetensors_file("{\"na\xc3\x28me\":1}"), "not valid JSON");  // ill-formed UTF-8
    EXPECT_ST_ERROR(safetensors_file(std::string_view("{\"x\":\0}", 7)), "not valid JSON");
    try {
        (void)read_safetensors(safetensors_file(R"({"x": ?})"));
        FAIL() << "accepted";
    } catch (const TensorFileError& error) {
        ASSERT_TRUE(error.where().offset.has_value());
        EXPECT_EQ(*error.where().offset, 8u + 6u);  // the '?'
    }
}

TEST(SafetensorsHostile, DeepJson) {
    std::string deep = R"({"__metadata__":)";
    deep += std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_ST_ERROR(safetensors_file(deep), "nesting deeper than 64 levels");
    // Brackets inside strings do not count.
    const std::string in_string = R"({"__metadata__":{"k":")" + std::string(1000, '[') + R"("}})";
    EXPECT_EQ(read_safetensors_metadata(safetensors_file(in_string))["k"].get<std::string>().size(), 1000u);
}

TEST(SafetensorsHostile, DuplicateKeys) {
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                     16),
                    "duplicate key \"x\"");
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}})", 8),
                    "duplicate key \"dtype\"");
}

// The header is parsed once, with the JSON bounds checked as it is read: a
// duplicate comes before a syntax error further on (no checking pass first),
// and a long header over a bound is refused with the bound's error.
TEST(SafetensorsHostile, TheHeaderIsReadInOnePassWithTheJsonBounds) {
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"x":1, oops})", 8),
                    "duplicate key \"x\"");
    std::string header = "{";
    for (int i = 0; i < 10'001; ++i)
        header += (i ? "," : "") + std::string(R"("t)") + std::to_string(i) + R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})";
    header += "}";
    EXPECT_EQ(read_safetensors(safetensors_file(header), {.max_json_object_members = 10'001}).size(), 10'001u);
    EXPECT_ST_ERROR(safetensors_file(header), "header is a JSON object has more than 10000 keys");
}

TEST(SafetensorsHostile, WrongTypes) {
    const auto expect = [](std::string_view header, std::string_view text) {
        SCOPED_TRACE(std::string(header));
        EXPECT_ST_ERROR(safetensors_file(header, 8), std::string(text));
    };
    expect(R"({"x":[1,2]})", "tensor \"x\": entry must be an object");
    expect(R"({"x":{"dtype":4,"shape":[2],"data_offsets":[0,8]}})", "'dtype' must be a string");
    expect(R"({"x":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", "'shape' must be an array");
    expect(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", "non-negative integers, found -2");
    expect(R"({"x":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", "non-negative integers");
    expect(R"({"x":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", "non-negative integers");
    expect(R"({"x":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}})", "non-negative integers");
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}})", "must be an array [begin, end]");
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":{"begin":0}}})", "must be an array [begin, end]");
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[null,8]}})", "non-negative integers");
    expect(R"({"x":{"shape":[2],"data_offsets":[0,8]}})", "no 'dtype'");
    expect(R"({"x":{"dtype":"F32","data_offsets":[0,8]}})", "no 'shape'");
    expect(R"({"x":{"dtype":"F32","shape":[2]}})", "no 'data_offsets'");
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"quant":"q4"}})", "unexpected key \"quant\"");
    expect(R"({"__metadata__":{"steps":30},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
           "value \"steps\" must be a string");
    expect(R"({"__metadata__":["a"],"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
           "must be an object of strings");
}

TEST(SafetensorsHostile, UnknownDtypeNamesTheTensor) {
    EXPECT_ST_ERROR(safetensors_file(R"({"layer.0":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}})", 8),
                    "tensor \"layer.0\": unsupported dtype \"F8_E4M3\"");
    EXPECT_ST_ERROR(safetensors_file(R"({"u":{"dtype":"U16","shape":[4],"data_offsets":[0,8]}})", 8),
                    "unsupported dtype \"U16\"");
    EXPECT_ST_ERROR(safetensors_file(R"({"u":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}})", 8),
                    "unsupported dtype \"f32\"");
}

TEST(SafetensorsHostile, OffsetsOutOfBounds) {
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
                    "run past the end of the 4-byte data buffer");
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[18446744073709551608,18446744073709551615]}})", 8),
                    "run past the end");
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8),
                    "end before they begin");
}

TEST(SafetensorsHostile, OverlappingOrGappedOffsets) {
    EXPECT_ST_ERROR(safetensors_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                     8),
                    "tensor \"b\": data_offsets [4, 8] overlap tensor \"a\" [0, 8]");
    EXPECT_ST_ERROR(safetensors_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                     R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                     12),
                    "tensor \"b\": data_offsets [8, 12] leave a gap: the previous tensor \"a\" ends at 4");
    EXPECT_ST_ERROR(safetensors_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                    "leave a gap: the first tensor must begin at 0");
    // Two tensors over the same bytes.
    EXPECT_ST_ERROR(safetensors_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                                     8),
                    "overlap");
}

TEST(SafetensorsHostile, SizeMismatchAndOverflow) {
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
                    "span 8 bytes but shape [3] of F32 needs 12");
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
                    "holds more than 2^64 bytes");
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"I16","shape":[9223372036854775808],"data_offsets":[0,8]}})", 8),
                    "holds more than 2^64 bytes");
}

TEST(SafetensorsHostile, BufferNotCoveredExactly) {
    EXPECT_ST_ERROR(safetensors_file(kOne, 9), "cover 8 bytes of the 9-byte data buffer");
    EXPECT_ST_ERROR(safetensors_file("{}", 1), "cover 0 bytes of the 1-byte data buffer");
}

TEST(SafetensorsHostile, RankAndSizeLimits) {
    EXPECT_ST_ERROR(safetensors_file(R"({"x":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}})", 1),
                    "rank 9 exceeds the limit of 8");
    Limits limits;
    limits.max_file_size = 32;
    EXPECT_NE(read_error(safetensors_file(kOne, 8), limits).find("exceeds the limit"), std::string::npos);
}

TEST(SafetensorsHostile, ErrorsPointIntoTheHeader) {
    try {
        (void)read_safetensors(safetensors_file(R"({"unet/conv~in":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
        FAIL() << "accepted";
    } catch (const TensorFileError& error) {
        EXPECT_EQ(error.where().json_path, "/unet~1conv~0in/data_offsets");
        EXPECT_NE(std::string(error.what()).find("unet/conv~in"), std::string::npos) << error.what();
    }
}

// Every prefix of a valid file and every single-byte change of its header is
// either read or refused with TensorFileError: nothing else escapes.
TEST(SafetensorsHostile, TruncationsAndByteFlipsNeverEscape) {
    const Json metadata = {{"k", "v"}};
    const auto valid = encode_safetensors(
        {{"a", random_tensor(DType::float32, {2, 2})}, {"b", random_tensor(DType::int8, {3})}}, &metadata);
    for (std::size_t size = 0; size < valid.size(); ++size) {
        SCOPED_TRACE("prefix " + std::to_string(size));
        EXPECT_THROW((void)read_safetensors(std::span(valid).first(size)), TensorFileError);
    }
    const std::size_t header_end = 8 + header_text(valid).size();
    for (std::size_t at = 0; at < header_end; ++at) {
        for (const unsigned value : {0x00u, 0x01u, 0x20u, 0x22u, 0x2Cu, 0x30u, 0x39u, 0x5Bu, 0x5Du, 0x7Bu, 0x7Du, 0xFFu}) {
            auto mutated = valid;
            mutated[at] = std::byte(value);
            try {
                for (const NamedTensor& named : read_safetensors(mutated))
                    EXPECT_EQ(named.tensor.bytes().size(),
                              tensor_byte_size(named.tensor.dtype(), named.tensor.shape()).value());
            } catch (const TensorFileError&) {
            } catch (const std::exception& error) {
                ADD_FAILURE() << "byte " << at << " = " << value << ": " << error.what();
            }
        }
    }
}

}  // namespace
}  // namespace raiiaf
