// Every file the existing package wrote decodes to its expected contents.
#include <gtest/gtest.h>

#include "format/json_text.hpp"
#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::expected_dir;
using testing::read_file_bytes;
using testing::read_file_text;
using testing::vector_file;

class VectorTest : public ::testing::TestWithParam<std::string> {};

// The tensor bytes of a .npy file written by numpy.save: its last n bytes.
std::span<const std::byte> npy_data(const std::vector<std::byte>& npy, std::size_t n) {
    return std::span<const std::byte>(npy).last(n);
}

TEST_P(VectorTest, ManifestMatchesExpected) {
    const Reader reader = Reader::open(vector_file(GetParam()));
    const Json expected = Json::parse(read_file_text(expected_dir(GetParam()) / "metadata.json"));
    EXPECT_EQ(reader.manifest(), expected);
    EXPECT_EQ(reader.layout(), GetParam()[0] == 'g' ? Layout::gen5 : Layout::raiiaf);
    EXPECT_EQ(reader.header().chunk_count, reader.chunks().size());
}

TEST_P(VectorTest, LatentsMatchExpectedBits) {
    const Reader reader = Reader::open(vector_file(GetParam()));
    ASSERT_FALSE(reader.latents().empty());
    for (std::size_t i = 0; i < reader.latents().size(); ++i) {
        const LatentInfo& info = reader.latents()[i];
        const auto npy = read_file_bytes(expected_dir(GetParam()) / (info.name + ".npy"));
        const Tensor tensor = reader.load_latent(i);
        EXPECT_EQ(tensor.shape(), info.shape);
        EXPECT_EQ(tensor.dtype(), info.dtype);
        const auto expected = npy_data(npy, tensor.bytes().size());
        ASSERT_TRUE(std::equal(expected.begin(), expected.end(), tensor.bytes().begin(), tensor.bytes().end()))
            << info.name;
        if (info.codec == Codec::raw) {
            EXPECT_TRUE(tensor.data().is_view()) << "raw latents are zero copy";
        }
    }
}

TEST_P(VectorTest, ImageMatchesExpectedBytes) {
    const Reader reader = Reader::open(vector_file(GetParam()));
    const auto image_path = expected_dir(GetParam()) / "image.png";
    if (!std::filesystem::exists(image_path)) {
        EXPECT_FALSE(reader.image_info().has_value());
        EXPECT_THROW((void)reader.load_image(), ImageError);
        return;
    }
    const auto expected = read_file_bytes(image_path);
    const Bytes image = reader.load_image();
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), image.span().begin(), image.span().end()));
}

TEST_P(VectorTest, EnvironmentMatchesExpected) {
    const Reader reader = Reader::open(vector_file(GetParam()));
    const auto env = reader.environment();
    ASSERT_TRUE(env.has_value());
    const std::string expected = read_file_text(expected_dir(GetParam()) / "env.json");
    EXPECT_EQ(serialize_environment(*env), expected);
    const Json parsed = Json::parse(expected);
    ASSERT_EQ(env->components.size(), parsed["components"].size());
    EXPECT_EQ(env->components[0].id, parsed["components"][0]["component_id"]);
}

TEST_P(VectorTest, WholeFileCheckPasses) {
    const CheckReport report = check_file(vector_file(GetParam()));
    for (const auto& problem : report.problems) ADD_FAILURE() << problem.message;
    EXPECT_TRUE(report.ok());
}

TEST_P(VectorTest, RewriteOfStoredChunksKeepsEveryPayload) {
    // Copying every chunk verbatim (what `edit` does) yields a file that reads the same.
    const Reader reader = Reader::open(vector_file(GetParam()));
    ArtifactContent content;
    content.model = reader.model_info();
    content.model.prompt = "edited";
    for (std::size_t i = 0; i < reader.chunks().size(); ++i)
        content.stored_chunks.push_back({reader.chunks()[i], reader.stored_bytes(i)});
    const auto bytes = encode(content, {.layout = reader.layout()});
    const Reader edited = Reader::from_bytes(Bytes(bytes));
    EXPECT_EQ(edited.model_info().prompt, "edited");
    ASSERT_EQ(edited.latents().size(), reader.latents().size());
    for (std::size_t i = 0; i < reader.latents().size(); ++i) {
        const Tensor a = reader.load_latent(i), b = edited.load_latent(i);
        EXPECT_TRUE(std::ranges::equal(a.bytes(), b.bytes()));
    }
    EXPECT_EQ(edited.environment(), reader.environment());
    EXPECT_TRUE(check_bytes(bytes).ok());
}

INSTANTIATE_TEST_SUITE_P(SharedVectors, VectorTest, ::testing::ValuesIn(testing::vector_names()));

}  // namespace
}  // namespace raiiaf
