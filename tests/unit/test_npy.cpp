// .npy reading and writing: numpy's own files, round trips, byte order and
// Fortran order conversion, and hostile input.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/errors.hpp"
#include "raiiaf/tensor_io.hpp"
#include "expect_error.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::read_file_bytes;
using testing::random_tensor;

std::vector<std::byte> bytes_of(std::string_view text) {
    const auto view = std::as_bytes(std::span(text.data(), text.size()));
    return {view.begin(), view.end()};
}

template <class T>
std::vector<std::byte> raw_bytes(const std::vector<T>& values) {
    std::vector<std::byte> out(values.size() * sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
    return out;
}

template <class T>
std::vector<std::byte> big_endian_bytes(const std::vector<T>& values) {
    std::vector<std::byte> out = raw_bytes(values);
    for (std::size_t at = 0; at < out.size(); at += sizeof(T)) std::reverse(out.begin() + at, out.begin() + at + sizeof(T));
    return out;
}

// A .npy file with this header text (unpadded) and data, in format `major`.0.
std::vector<std::byte> npy_file(std::string_view header, const std::vector<std::byte>& data = {}, unsigned major = 1) {
    std::vector<std::byte> out = bytes_of("\x93NUMPY");
    out.push_back(std::byte(major));
    out.push_back(std::byte{0});
    const auto length = static_cast<std::uint32_t>(header.size());
    for (unsigned i = 0; i < (major == 1 ? 2u : 4u); ++i) out.push_back(std::byte((length >> (8 * i)) & 0xFFu));
    const auto text = bytes_of(header);
    out.insert(out.end(), text.begin(), text.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::string read_error(const std::vector<std::byte>& file, const Limits& limits = {}) {
    return testing::thrown_message<TensorFileError>([&] { (void)read_npy(file, limits); });
}

#define EXPECT_NPY_ERROR(file, text) EXPECT_MESSAGE_HAS(read_error(file), text)

std::vector<std::filesystem::path> vector_npy_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& directory : std::filesystem::directory_iterator(testing::vectors_dir() / "expected"))
        for (const auto& entry : std::filesystem::directory_iterator(directory.path()))
            if (entry.path().extension() == ".npy") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

TEST(Npy, NumpyWrittenVectorsDecodeAndReencodeByteForByte) {
    const auto files = vector_npy_files();
    ASSERT_GE(files.size(), 8u);
    for (const auto& path : files) {
        SCOPED_TRACE(path.string());
        const auto original = read_file_bytes(path);
        const Tensor tensor = read_npy(original);
        const std::string header(reinterpret_cast<const char*>(original.data()), 128);
        const bool is_f16 = header.find("'<f2'") != std::string::npos;
        ASSERT_TRUE(is_f16 || header.find("'<f4'") != std::string::npos);
        EXPECT_EQ(tensor.dtype(), is_f16 ? DType::float16 : DType::float32);
        ASSERT_EQ(tensor.shape().size(), 4u);
        EXPECT_EQ(tensor.shape()[0], 1u);
        EXPECT_EQ(tensor.shape()[1], 4u);
        const std::string shape_text = "'shape': (1, 4, " + std::to_string(tensor.shape()[2]) + ", " +
                                       std::to_string(tensor.shape()[3]) + ")";
        EXPECT_NE(header.find(shape_text), std::string::npos);
        // The data section is the file's tail.
        ASSERT_EQ(tensor.bytes().size() + 128, original.size());
        EXPECT_TRUE(std::equal(tensor.bytes().begin(), tensor.bytes().end(), original.begin() + 128));
        EXPECT_EQ(encode_npy(tensor), original);
        EXPECT_EQ(read_npy_file(path).bytes().size(), tensor.bytes().size());
    }
}

TEST(Npy, HeaderIsWhatNumpySaveWrites) {
    const auto expect_header = [](const Tensor& tensor, std::string_view dict, std::size_t total) {
        const auto encoded = encode_npy(tensor);
        ASSERT_EQ(encoded.size(), total + tensor.bytes().size());
        std::string expected = std::string("\x93NUMPY\x01\x00", 8);
        expected += static_cast<char>((total - 10) & 0xFF);
        expected += static_cast<char>((total - 10) >> 8);
        expected += dict;
        expected.append(total - 1 - expected.size(), ' ');
        expected += '\n';
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(encoded.data()), total), expected);
    };
    // numpy pads the dict with 21 - len(str(shape[0])) spaces for in-place growth.
    expect_header(random_tensor(DType::float64, {}), "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 128);
    expect_header(random_tensor(DType::int16, {3}),
                  "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }                    ", 128);
    expect_header(random_tensor(DType::boolean, {2, 3}),
                  "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }                    ", 128);
    expect_header(random_tensor(DType::uint8, {0, 7}),
                  "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 7), }                    ", 128);
    // Here the last of the 20 growth spaces pushes the data start from 128 to 192
    // (numpy pads to the next multiple of 64 strictly after the newline).
    expect_header(Tensor(DType::float32, {0, 1000000000000000000u, 100000000000000000u}, Bytes()),
                  "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1000000000000000000, 100000000000000000), }"
                  "                    ",
                  192);
    expect_header(random_tensor(DType::int8, {1}), "{'descr': '|i1', 'fortran_order': False, 'shape': (1,), }                    ", 128);
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
    const Shape dims{2, 3, 1, 2, 1, 2, 1, 3};
    for (const DType dtype : {DType::float16, DType::float32, DType::float64, DType::int8, DType::int16, DType::int32,
                              DType::int64, DType::uint8, DType::boolean}) {
        for (std::size_t rank = 0; rank <= 8; ++rank) {
            SCOPED_TRACE(std::string(dtype_name(dtype)) + " rank " + std::to_string(rank));
            const Tensor tensor = random_tensor(dtype, Shape(dims.begin(), dims.begin() + rank), unsigned(rank + 7));
            const auto encoded = encode_npy(tensor);
            EXPECT_EQ(encoded[6], std::byte{1});
            EXPECT_EQ((encoded.size() - tensor.bytes().size()) % 64, 0u);
            const Tensor decoded = read_npy(encoded);
            EXPECT_EQ(decoded.dtype(), dtype);
            EXPECT_EQ(decoded.shape(), tensor.shape());
            EXPECT_TRUE(std::ranges::equal(decoded.bytes(), tensor.bytes()));
        }
    }
    const Tensor empty = random_tensor(DType::float32, {4, 0, 3});
    EXPECT_EQ(read_npy(encode_npy(empty)).shape(), (Shape{4, 0, 3}));
}

TEST(Npy, FileRoundTrip) {
    testing::TempDir dir;
    const Tensor tensor = random_tensor(DType::float32, {1, 4, 8, 8});
    write_npy_file(dir / "latent.npy", tensor);
    EXPECT_EQ(read_file_bytes(dir / "latent.npy"), encode_npy(tensor));
    const Tensor back = read_npy_file(dir / "latent.npy");
    EXPECT_TRUE(std::ranges::equal(back.bytes(), tensor.bytes()));
    EXPECT_THROW((void)read_npy_file(dir / "missing.npy"), IoError);
}

TEST(Npy, HugeRankUsesFormatTwo) {
    // Each dimension adds "1, " to the header: 25000 of them overflow 1.0's 16-bit length.
    const Shape shape(25000, 1);
    const Tensor tensor(DType::int8, shape, Bytes(std::vector<std::byte>{std::byte{42}}));
    const auto encoded = encode_npy(tensor);
    EXPECT_EQ(encoded[6], std::byte{2});
    EXPECT_EQ((encoded.size() - 1) % 64, 0u);
    Limits limits;
    limits.max_rank = 30000;
    const Tensor decoded = read_npy(encoded, limits);
    EXPECT_EQ(decoded.shape(), shape);
    EXPECT_EQ(decoded.bytes()[0], std::byte{42});
    EXPECT_NE(read_error(encoded).find("rank limit"), std::string::npos);
}

TEST(Npy, ReadsFormatVersionsTwoAndThree) {
    const auto data = raw_bytes(std::vector<std::int32_t>{7, -8});
    for (const unsigned major : {2u, 3u}) {
        const Tensor tensor = read_npy(npy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", data, major));
        EXPECT_EQ(tensor.dtype(), DType::int32);
        EXPECT_EQ(tensor.as<std::int32_t>()[1], -8);
    }
}

TEST(Npy, AcceptsAnyValidSpellingOfTheHeaderDict) {
    const auto data = raw_bytes(std::vector<float>{1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f});
    for (const std::string_view header : {
             std::string_view("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}"),
             std::string_view("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,3,)}\n"),
             std::string_view("  {\n 'descr' :'<f4' ,\t'fortran_order':False,'shape':( 2 , 3 ) , }   \n"),
         }) {
        SCOPED_TRACE(std::string(header));
        const Tensor tensor = read_npy(npy_file(header, data));
        EXPECT_EQ(tensor.shape(), (Shape{2, 3}));
        EXPECT_EQ(tensor.as<float>()[5], 6.5f);
    }
    // Python 2's longs ("3L") are read in format 1.0 and 2.0 files, as numpy does.
    EXPECT_EQ(read_npy(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", data)).shape(),
              (Shape{2, 3}));
    EXPECT_NPY_ERROR(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", data, 3),
                     "expected an integer");
}

TEST(Npy, FortranOrderIsTransposedToCOrder) {
    // 2x3 int32 [[0, 1, 2], [3, 4, 5]] stored column by column.
    const auto tensor = read_npy(npy_file("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }",
                                          raw_bytes(std::vector<std::int32_t>{0, 3, 1, 4, 2, 5})));
    EXPECT_EQ(std::vector<std::int32_t>(tensor.as<std::int32_t>().begin(), tensor.as<std::int32_t>().end()),
              (std::vector<std::int32_t>{0, 1, 2, 3, 4, 5}));

    // 2x3x4 float32 whose values are their C-order index, stored in Fortran order.
    std::vector<float> fortran(24);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k) fortran[i + 2 * j + 6 * k] = float(i * 12 + j * 4 + k);
    const auto cube = read_npy(npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", raw_bytes(fortran)));
    EXPECT_EQ(cube.shape(), (Shape{2, 3, 4}));
    for (std::size_t n = 0; n < 24; ++n) EXPECT_EQ(cube.as<float>()[n], float(n)) << "element " << n;

    // Fortran order of rank 0 and 1 is the same as C order.
    EXPECT_EQ(read_npy(npy_file("{'descr': '<i2', 'fortran_order': True, 'shape': (3,), }",
                                raw_bytes(std::vector<std::int16_t>{1, 2, 3})))
                  .as<std::int16_t>()[2],
              3);
}

TEST(Npy, BigEndianIsConvertedToLittleEndian) {
    const auto f32 = read_npy(npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }",
                                       big_endian_bytes(std::vector<float>{1.0f, -2.5f, 3.25f})));
    EXPECT_EQ(f32.dtype(), DType::float32);
    EXPECT_EQ(f32.as<float>()[0], 1.0f);
    EXPECT_EQ(f32.as<float>()[1], -2.5f);
    EXPECT_EQ(f32.as<float>()[2], 3.25f);

    const auto i64 = read_npy(npy_file("{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }",
                                       big_endian_bytes(std::vector<std::int64_t>{-2, 0x0102030405060708})));
    EXPECT_EQ(i64.as<std::int64_t>()[0], -2);
    EXPECT_EQ(i64.as<std::int64_t>()[1], 0x0102030405060708);

    const auto f16 = read_npy(npy_file("{'descr': '>f2', 'fortran_order': False, 'shape': (1,), }",
                                       big_endian_bytes(std::vector<std::uint16_t>{0x3C00})));
    EXPECT_EQ(f16.dtype(), DType::float16);
    EXPECT_EQ(f16.as<std::uint16_t>()[0], 0x3C00);

    const auto f64 = read_npy(npy_file("{'descr': '>f8', 'fortran_order': False, 'shape': (), }",
                                       big_endian_bytes(std::vector<double>{-0.125})));
    EXPECT_TRUE(f64.shape().empty());
    EXPECT_EQ(f64.as<double>()[0], -0.125);

    // Big-endian and Fortran order together: 2x2 int16 [[1, 2], [3, 4]].
    const auto both = read_npy(npy_file("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }",
                                        big_endian_bytes(std::vector<std::int16_t>{1, 3, 2, 4})));
    EXPECT_EQ(std::vector<std::int16_t>(both.as<std::int16_t>().begin(), both.as<std::int16_t>().end()),
              (std::vector<std::int16_t>{1, 2, 3, 4}));

    // Single-byte types have no byte order: '|', '<', '>' and '=' all read alike.
    for (const std::string_view descr : {"|u1", ">u1", "<u1", "=u1"}) {
        const auto u8 = read_npy(npy_file("{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (2,), }",
                                          raw_bytes(std::vector<std::uint8_t>{1, 200})));
        EXPECT_EQ(u8.dtype(), DType::uint8);
        EXPECT_EQ(u8.as<std::uint8_t>()[1], 200);
    }
    EXPECT_EQ(read_npy(npy_file("{'descr': '=i4', 'fortran_order': False, 'shape': (1,), }",
                                raw_bytes(std::vector<std::int32_t>{-9})))
                  .as<std::int32_t>()[0],
              -9);
}

TEST(Npy, EncoderRejectsBfloat16) {
    EXPECT_THROW((void)encode_npy(random_tensor(DType::bfloat16, {2})), InvalidArgument);
}

// ---- hostile input -----------------------------------------------------------

const std::vector<std::byte> kFloats = raw_bytes(std::vector<float>{1, 2, 3});

TEST(NpyHostile, BadMagic) {
    EXPECT_NPY_ERROR(bytes_of("PK\x03\x04 not an npy file at all"), "not a .npy file");
    EXPECT_NPY_ERROR(std::vector<std::byte>{}, "not a .npy file");
    auto file = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", kFloats);
    file[1] = std::byte{'n'};
    EXPECT_NPY_ERROR(file, "not a .npy file");
}

TEST(NpyHostile, TruncatedPreamble) {
    EXPECT_NPY_ERROR(bytes_of("\x93NUMPY\x01"), "truncated");
    EXPECT_NPY_ERROR(bytes_of(std::string_view("\x93NUMPY\x01\x00\x10", 9)), "header length field");
    EXPECT_NPY_ERROR(bytes_of(std::string_view("\x93NUMPY\x02\x00\x10\x00\x00", 11)), "header length field");
}

TEST(NpyHostile, UnknownVersion) {
    auto file = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", kFloats);
    file[6] = std::byte{4};
    EXPECT_NPY_ERROR(file, "unsupported format version 4.0");
    file[6] = std::byte{1};
    file[7] = std::byte{1};
    EXPECT_NPY_ERROR(file, "unsupported format version 1.1");
}

TEST(NpyHostile, HeaderLengthPastEndOfFile) {
    auto file = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", kFloats);
    file[8] = std::byte{0xFF};
    file[9] = std::byte{0xFF};
    EXPECT_NPY_ERROR(file, "runs past the end of the file");
    auto v2 = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", kFloats, 2);
    v2[11] = std::byte{0xFF};
    EXPECT_NPY_ERROR(v2, "runs past the end of the file");
}

TEST(NpyHostile, ShapeOverflow) {
    EXPECT_NPY_ERROR(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 2), }"),
                     "more than 2^64 bytes");
    EXPECT_NPY_ERROR(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3074457345618258603,), }"),
                     "more than 2^64 bytes");
    EXPECT_NPY_ERROR(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551616,), }"),
                     "does not fit 64 bits");
}

TEST(NpyHostile, DataTooShortOrTooLong) {
    const auto two_floats = raw_bytes(std::vector<float>{1, 2});
    EXPECT_NPY_ERROR(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", two_floats),
                     "data too short: shape (3,) of float32 needs 12 bytes, the file has 8");
    // A huge shape with no data is refused before anything is allocated.
    EXPECT_NPY_ERROR(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }"),
                     "data too short");
    auto extra = kFloats;
    extra.push_back(std::byte{0});
    EXPECT_NPY_ERROR(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", extra), "1 trailing bytes");
}

TEST(NpyHostile, ObjectAndUnsupportedDtypes) {
    EXPECT_NPY_ERROR(npy_file("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", kFloats), "object arrays");
    EXPECT_NPY_ERROR(npy_file("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", raw_bytes(std::vector<float>{1, 2})),
                     "unsupported dtype \"<c8\"");
    EXPECT_NPY_ERROR(npy_file("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }"), "unsupported dtype \"<u2\"");
    EXPECT_NPY_ERROR(npy_file("{'descr': '|f4', 'fortran_order': False, 'shape': (3,), }", kFloats),
                     "unsupported dtype \"|f4\"");
    EXPECT_NPY_ERROR(npy_file("{'descr': '<V2', 'fortran_order': False, 'shape': (1,), }"), "bfloat16");
    EXPECT_NPY_ERROR(npy_file("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", kFloats),
                     "structured dtypes");
}

TEST(NpyHostile, MalformedHeaderDict) {
    const auto expect = [](std::string_view header, std::string_view text) {
        SCOPED_TRACE(std::string(header));
        EXPECT_NPY_ERROR(npy_file(header, kFloats), std::string(text));
    };
    expect("['descr', '<f4']", "expected the header to be a dict");
    expect("{'descr': '<f4', 'fortran_order': False}", "no 'shape'");
    expect("{'descr': '<f4', 'shape': (3,)}", "no 'fortran_order'");
    expect("{'fortran_order': False, 'shape': (3,)}", "no 'descr'");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "unexpected key \"extra\"");
    expect("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "duplicate key 'descr'");
    expect("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}", "expected True or False");
    expect("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (3,)}", "expected True or False");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", "not a tuple");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': [3]}", "expected a tuple");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}", "negative dimension");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (03,)}", "leading zero");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,)}", "expected an integer");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (0x3,)}", "expected an integer");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} junk", "after the header dict");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (3,),, }", "expected a string key");
    expect("{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (3,)}", "escape sequences");
    expect("{'descr': '<f4, 'fortran_order': False, 'shape': (3,)}", "expected ',' or '}', found 'f'");
    expect("{'descr' '<f4', 'fortran_order': False, 'shape': (3,)}", "expected ':' after the key");
    expect("{'descr': '<f4", "unterminated string");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", "',' or '}'");
    expect("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}\x01", "byte 0x01");
    expect("{'descr': '<f4\xe9', 'fortran_order': False, 'shape': (3,)}", "byte 0xe9");
    expect("", "expected the header to be a dict");
}

TEST(NpyHostile, ErrorsSayWhere) {
    // The unknown key starts at byte 10 (header start) + 1.
    try {
        (void)read_npy(npy_file("{'bogus': 1}"));
        FAIL() << "accepted";
    } catch (const TensorFileError& error) {
        ASSERT_TRUE(error.where().offset.has_value());
        EXPECT_EQ(*error.where().offset, 11u);
        EXPECT_NE(std::string(error.what()).find("at offset 11"), std::string::npos) << error.what();
    }
}

TEST(NpyHostile, RankAboveLimit) {
    EXPECT_NPY_ERROR(npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
                              std::vector<std::byte>(1)),
                     "more than 8 dimensions");
    Limits small;
    small.max_rank = 2;
    EXPECT_NE(read_error(npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1), }", std::vector<std::byte>(1)), small)
                  .find("more than 2 dimensions"),
              std::string::npos);
}

TEST(NpyHostile, FileSizeLimit) {
    Limits limits;
    limits.max_file_size = 16;
    EXPECT_NE(read_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", kFloats), limits)
                  .find("exceeds the limit"),
              std::string::npos);
}

TEST(NpyHostile, FileErrorsNameThePath) {
    testing::TempDir dir;
    testing::write_file_bytes(dir / "broken.npy", bytes_of(std::string_view("\x93NUMPY\x01\x00\xFF\xFF{}", 12)));
    try {
        (void)read_npy_file(dir / "broken.npy");
        FAIL() << "accepted";
    } catch (const TensorFileError& error) {
        EXPECT_NE(std::string(error.what()).find("broken.npy"), std::string::npos) << error.what();
    }
}

// Every prefix of a valid file and every single-byte change of its header is
// either read or refused with TensorFileError: nothing else escapes.
TEST(NpyHostile, TruncationsAndByteFlipsNeverEscape) {
    const auto valid = encode_npy(random_tensor(DType::float32, {2, 3}));
    for (std::size_t size = 0; size < valid.size(); ++size) {
        SCOPED_TRACE("prefix " + std::to_string(size));
        EXPECT_THROW((void)read_npy(std::span(valid).first(size)), TensorFileError);
    }
    for (std::size_t at = 0; at < 128; ++at) {
        for (const unsigned value : {0x00u, 0x20u, 0x27u, 0x28u, 0x29u, 0x2Cu, 0x30u, 0x39u, 0x7Du, 0x80u, 0xFFu}) {
            auto mutated = valid;
            mutated[at] = std::byte(value);
            try {
                const Tensor tensor = read_npy(mutated);
                EXPECT_EQ(tensor.bytes().size(), tensor_byte_size(tensor.dtype(), tensor.shape()).value());
            } catch (const TensorFileError&) {
            } catch (const std::exception& error) {
                ADD_FAILURE() << "byte " << at << " = " << value << ": " << error.what();
            }
        }
    }
}

}  // namespace
}  // namespace raiiaf
