// The public API's shape (issue 13, items 4 and 6): error codes and their
// names, the image-format detector, Bytes' ownership states, the versioned
// namespace, and what the C API records beside the captured environment.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "raiiaf/raiiaf.h"
#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

TEST(ErrorCodes, EachClassReportsItsOwnCodeAndName) {
    const auto name_of = [](const Error& e) { return std::string(error_code_name(e.code())); };
    EXPECT_EQ(name_of(Error("x")), "Error");
    EXPECT_EQ(name_of(DecodeError("x")), "DecodeError");
    EXPECT_EQ(name_of(CorruptHeader("x")), "CorruptHeader");
    EXPECT_EQ(name_of(MetadataError("x")), "MetadataError");
    EXPECT_EQ(name_of(ChunkError("x")), "ChunkError");
    EXPECT_EQ(name_of(LatentError("x")), "LatentError");
    EXPECT_EQ(name_of(ImageError("x")), "ImageError");
    EXPECT_EQ(name_of(EnvChunkError("x")), "EnvChunkError");
    EXPECT_EQ(name_of(TensorFileError("x")), "TensorFileError");
    EXPECT_EQ(name_of(InvalidArgument("x")), "InvalidArgument");
    EXPECT_EQ(name_of(IoError("x")), "IoError");
}

TEST(ErrorCodes, CodeSurvivesCatchingByBaseClass) {
    try {
        throw LatentError("bad latent", ErrorLocation::at_chunk(2, "LATN", 100));
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::latent);
        EXPECT_EQ(e.where().chunk_index, 2u);
    }
}

TEST(ErrorCodes, ParentsFollowTheClassHierarchy) {
    EXPECT_EQ(error_code_parent(ErrorCode::other), std::nullopt);
    EXPECT_EQ(error_code_parent(ErrorCode::latent), ErrorCode::chunk);
    EXPECT_EQ(error_code_parent(ErrorCode::env_chunk), ErrorCode::chunk);
    EXPECT_EQ(error_code_parent(ErrorCode::chunk), ErrorCode::decode);
    EXPECT_EQ(error_code_parent(ErrorCode::tensor_file), ErrorCode::decode);
    EXPECT_EQ(error_code_parent(ErrorCode::decode), ErrorCode::other);
    EXPECT_EQ(error_code_parent(ErrorCode::io), ErrorCode::other);
    // Every code's parent is a smaller code (the Python binding creates them in order).
    for (int value = 2; value <= static_cast<int>(ErrorCode::io); ++value) {
        const auto parent = error_code_parent(static_cast<ErrorCode>(value));
        ASSERT_TRUE(parent.has_value()) << value;
        EXPECT_LT(static_cast<int>(*parent), value);
    }
}

TEST(ErrorCodes, NamesAreDistinct) {
    std::set<std::string> names;
    for (int value = 1; value <= static_cast<int>(ErrorCode::io); ++value)
        names.insert(std::string(error_code_name(static_cast<ErrorCode>(value))));
    EXPECT_EQ(names.size(), static_cast<std::size_t>(ErrorCode::io));
}

std::vector<std::byte> bytes_of(std::string_view text) {
    const auto view = std::as_bytes(std::span(text.data(), text.size()));
    return {view.begin(), view.end()};
}

TEST(DetectImageFormat, RecognisesSignaturesOnly) {
    using namespace std::string_view_literals;  // the signatures hold NUL bytes
    EXPECT_EQ(detect_image_format(bytes_of("\x89PNG\r\n\x1a\n rest"sv)), "png");
    EXPECT_EQ(detect_image_format(bytes_of("\xff\xd8\xff\xe0"sv)), "jpeg");
    EXPECT_EQ(detect_image_format(bytes_of("RIFF\x10\0\0\0WEBPVP8 "sv)), "webp");
    EXPECT_EQ(detect_image_format(bytes_of("RIFF\x10\0\0\0WAVE"sv)), "");
    EXPECT_EQ(detect_image_format(bytes_of("\x89PNG\r\n\x1a"sv)), "");  // one byte short
    EXPECT_EQ(detect_image_format(bytes_of("GIF89a"sv)), "");
    EXPECT_EQ(detect_image_format({}), "");
    EXPECT_EQ(detect_image_format(testing::sample_content().image->bytes.span()), "png");
}

TEST(Bytes, IsOwnedKeptAliveOrBorrowedNeverNeither) {
    const std::vector<std::byte> data = bytes_of("payload");
    const Bytes owned = Bytes::copy_of(std::span(data));
    EXPECT_FALSE(owned.is_view());
    EXPECT_FALSE(owned.is_borrowed());

    const auto keepalive = std::make_shared<std::vector<std::byte>>(data);
    const Bytes kept(std::span<const std::byte>(*keepalive), keepalive);
    EXPECT_TRUE(kept.is_view());
    EXPECT_FALSE(kept.is_borrowed());

    const Bytes borrowed = Bytes::borrowed(std::span(data));
    EXPECT_TRUE(borrowed.is_view());
    EXPECT_TRUE(borrowed.is_borrowed());
    EXPECT_EQ(borrowed.data(), data.data());

    // A view whose keepalive is null is a borrowed view, not an unmarked one.
    const Bytes unkept{std::span<const std::byte>(data), std::shared_ptr<const void>()};
    EXPECT_TRUE(unkept.is_borrowed());
    EXPECT_TRUE(unkept.is_view());

    // A literal nullptr keepalive does not compile: Bytes::borrowed says it.
    static_assert(!std::is_constructible_v<Bytes, std::span<const std::byte>, std::nullptr_t>);
}

TEST(VersionedNamespace, PublicNamesLiveInTheInlineNamespace) {
    static_assert(std::is_same_v<raiiaf::Reader, raiiaf::RAIIAF_ABI_NAMESPACE::Reader>);
    static_assert(std::is_same_v<raiiaf::Json, nlohmann::ordered_json>);
    const std::string version(library_version());
    // v<major>_<minor> names this version (CMakeLists.txt checks it at configure time too).
    const std::string expected = "v" + version.substr(0, version.find('.')) + "_" +
                                 version.substr(version.find('.') + 1, version.rfind('.') - version.find('.') - 1);
#define RAIIAF_TEST_STRINGIFY2(x) #x
#define RAIIAF_TEST_STRINGIFY(x) RAIIAF_TEST_STRINGIFY2(x)
    EXPECT_EQ(RAIIAF_TEST_STRINGIFY(RAIIAF_ABI_NAMESPACE), expected);
}

// The C API's writer adds its own components to the captured environment
// (the C test cannot read ENVC back; the C++ reader can).
TEST(CApi, EnvironmentComponentIsWrittenBesideTheCapturedOnes) {
    raiiaf_writer* writer = nullptr;
    ASSERT_EQ(raiiaf_writer_create(&writer), RAIIAF_OK);
    const float values[4] = {1, 2, 3, 4};
    const std::uint64_t shape[1] = {4};
    ASSERT_EQ(raiiaf_writer_add_latent(writer, "x", RAIIAF_DTYPE_FLOAT32, shape, 1, values, sizeof values,
                                       RAIIAF_CODEC_DEFAULT),
              RAIIAF_OK);
    ASSERT_EQ(raiiaf_writer_set_environment_component(writer, "generator", "name=generator;version=1"), RAIIAF_OK);
    ASSERT_EQ(raiiaf_writer_set_environment_component(writer, "generator", "name=generator;version=2"), RAIIAF_OK);
    void* data = nullptr;
    std::size_t size = 0;
    ASSERT_EQ(raiiaf_writer_encode(writer, nullptr, &data, &size), RAIIAF_OK) << raiiaf_last_error_message();
    raiiaf_writer_free(writer);
    const std::vector<std::byte> encoded(static_cast<const std::byte*>(data), static_cast<const std::byte*>(data) + size);
    raiiaf_free(data);

    const Reader reader = Reader::from_bytes(Bytes::copy_of(std::span(encoded)));
    const auto environment = reader.environment();
    ASSERT_TRUE(environment.has_value());
    int generators = 0;
    for (const auto& component : environment->components) {
        if (component.id != "generator") continue;
        ++generators;
        EXPECT_EQ(component.canonical, "name=generator;version=2");  // replaced, not added twice
    }
    EXPECT_EQ(generators, 1);
    EXPECT_GT(environment->components.size(), 1u);  // the captured ones are still there
}

}  // namespace
}  // namespace raiiaf
