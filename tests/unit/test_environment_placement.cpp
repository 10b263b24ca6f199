// Where the environment goes (docs/FORMAT.md section 8.8): GEN5 keeps it in the
// manifest (the older gen5.main reader refuses ENVC chunks); RAIIAF keeps in
// ENVC only what the existing package records itself, the rest in the
// manifest. Readers see the whole environment either way. Also the strict
// compatibility mode and the list of extensions a file uses.
#include <gtest/gtest.h>

#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::sample_content;

Environment mixed_environment() {
    return {1,
            {{"torch", "name=torch;version=1.13.0a0;cuda=None"},
             {"numpy", "name=numpy;version=1.24.2"},
             {"os", "name=os;version=Linux 6.1.0"},
             {"cpu", "name=cpu;model=X;logical_cores=2"},
             {"generator", "name=generator;version=1;backend=cpu"}}};
}

std::vector<std::string> ids_of(const Environment& env) {
    std::vector<std::string> ids;
    for (const auto& component : env.components) ids.push_back(component.id);
    return ids;
}

TEST(EnvironmentPlacement, Gen5KeepsItInTheManifest) {
    ArtifactContent content = sample_content();
    content.environment = mixed_environment();
    const Reader reader = Reader::from_bytes(Bytes(encode(content, {.layout = Layout::gen5})));
    for (const auto& record : reader.chunks()) EXPECT_NE(record.type, kEnvType);
    EXPECT_TRUE(reader.manifest()["gen5_metadata"].contains("environment"));
    EXPECT_EQ(reader.environment(), mixed_environment());
    EXPECT_TRUE(check_bytes(encode(content, {.layout = Layout::gen5})).ok());
}

TEST(EnvironmentPlacement, RaiiafKeepsInEnvcWhatTheExistingPackageRecords) {
    ArtifactContent content = sample_content();
    content.environment = mixed_environment();
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    std::optional<std::size_t> envc;
    for (const auto& record : reader.chunks())
        if (record.type == kEnvType) envc = record.index;
    ASSERT_TRUE(envc);
    EXPECT_EQ(ids_of(parse_environment(reader.load_payload(*envc).span())),
              (std::vector<std::string>{"torch", "numpy", "os"}));
    EXPECT_EQ(reader.manifest()["raiiaf_metadata"]["environment"]["components"].size(), 2u);
    EXPECT_EQ(reader.environment(), mixed_environment());
}

TEST(EnvironmentPlacement, AnEnvcChunkCopiedIntoGen5MovesToTheManifest) {
    ArtifactContent source = sample_content();
    source.environment = Environment{1, {{"os", "name=os;version=Linux 6.1.0"}}};
    const Reader original = Reader::from_bytes(Bytes(encode(source)));
    ArtifactContent copy = sample_content();
    copy.environment.reset();
    for (const auto& record : original.chunks())
        if (record.type == kEnvType) copy.stored_chunks.push_back({record, original.stored_bytes(record.index)});
    ASSERT_EQ(copy.stored_chunks.size(), 1u);
    const Reader gen5 = Reader::from_bytes(Bytes(encode(copy, {.layout = Layout::gen5})));
    for (const auto& record : gen5.chunks()) EXPECT_NE(record.type, kEnvType);
    EXPECT_EQ(gen5.environment(), source.environment);
}

TEST(EnvironmentPlacement, ADigestThatDoesNotMatchInTheManifestIsACorruptEnvironment) {
    ArtifactContent content = sample_content();
    content.environment = mixed_environment();
    const auto damaged = testing::with_manifest(encode(content, {.layout = Layout::gen5}), [](Json& document) {
        document["gen5_metadata"]["environment"]["components"][0]["component_sha256_digest"] = std::string(64, '0');
    });
    const Reader reader = Reader::from_bytes(Bytes(damaged));
    EXPECT_THROW((void)reader.environment(), EnvChunkError);
    const CheckReport report = check_bytes(damaged);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.problems.front().message.find("/gen5_metadata/environment"), std::string::npos)
        << report.problems.front().message;
}

TEST(CompatMode, RefusesExtensionsAndNamesThem) {
    ArtifactContent content = sample_content();
    content.latents[0].codec = Codec::shuffle_zstd;
    try {
        (void)encode(content, {.compat = true});
        FAIL() << "an extension was written in compatibility mode";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("latent \"initial_noise\": codec shuffle-zstd"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(extensions_used(Reader::from_bytes(Bytes(encode(content)))),
              (std::vector<std::string>{"latent \"initial_noise\": codec shuffle-zstd"}));
    content.latents[0].codec = Codec::raw;
    EXPECT_TRUE(extensions_used(Reader::from_bytes(Bytes(encode(content, {.compat = true})))).empty());
}

TEST(CompatMode, UnknownChunkTypesAreWhatTheExistingReadersRefuse) {
    // A chunk of another type, as edit and convert keep them: the existing
    // readers raise "Unknown chunk type"; it needs no version_minor 1, though.
    ArtifactContent content = sample_content();
    ChunkRecord record;
    record.type = "XTRA";
    record.flags = "0000";
    record.uncompressed_size = 2;
    record.compressed_size = kChunkHeaderSize + 2;
    record.hash = std::string(64, '0');
    std::vector<std::byte> stored(kChunkHeaderSize + 2, std::byte{0});
    content.stored_chunks.push_back({record, Bytes(std::move(stored))});
    EXPECT_THROW((void)encode(content, {.compat = true}), InvalidArgument);
    const Reader reader = Reader::from_bytes(Bytes(encode(content)));
    ASSERT_EQ(extensions_used(reader).size(), 1u);
    EXPECT_EQ(extensions_used(reader)[0].rfind("chunk type XTRA", 0), 0u) << extensions_used(reader)[0];
    EXPECT_EQ(reader.header().version_minor, 0);
}

}  // namespace
}  // namespace raiiaf
