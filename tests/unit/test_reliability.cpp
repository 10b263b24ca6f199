// Issue 12: reliability beyond the reader. Files that change while mapped,
// writes that readers would refuse, odd write targets, header-decided
// refusals, and the limits every parse honours.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "expect_error.hpp"
#include "raiiaf/raiiaf.hpp"
#include "raiiaf/tensor_io.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::thrown_message;

std::vector<std::string> listing(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

ArtifactContent content_with_big_raw_latent() {
    ArtifactContent content = testing::sample_content();
    content.latents = {{"big", testing::random_tensor(DType::float32, {1, 4, 128, 128}), std::nullopt}};
    return content;
}

// ---- a file that shrinks while mapped (SIGBUS) ------------------------------

TEST(MappedFileFaults, TruncatedAfterOpenIsAnIoErrorNotSigbus) {
    testing::TempDir dir;
    const auto path = dir / "shrinks.raiiaf";
    write_file(path, content_with_big_raw_latent());
    const Reader reader = Reader::open(path);
    std::filesystem::resize_file(path, 4096);  // as another process would
    EXPECT_MESSAGE_HAS(thrown_message<IoError>([&] { (void)reader.load_latent(0); }),
                       "could not be read while mapped");
    // The reader stays poisoned: nothing it computes from the zeros is trusted.
    EXPECT_THROW((void)reader.load_image(), IoError);
    EXPECT_THROW((void)reader.stored_bytes(0), IoError);
}

TEST(MappedFileFaults, ZeroCopyViewReadsZerosAfterTheFileShrinks) {
    testing::TempDir dir;
    const auto path = dir / "view.raiiaf";
    write_file(path, content_with_big_raw_latent());
    Tensor view;
    {
        const Reader reader = Reader::open(path, {.verify_hashes = false});
        view = reader.load_latent(0);
    }
    ASSERT_TRUE(view.data().is_view());
    std::filesystem::resize_file(path, 0);
    // Documented in docs/SECURITY.md: a view outliving the fault sees zeros, never a crash.
    std::size_t nonzero = 0;
    for (const std::byte b : view.bytes()) nonzero += b != std::byte{0};
    EXPECT_EQ(nonzero, 0u);
}

// The writer reads its sources after they were checked (copied chunks of an
// open artifact, a mapped image): a file that shrank meanwhile must not
// become an artifact of zeros, nor replace anything.
TEST(MappedFileFaults, AWriteFromAFileThatShrankIsRefusedAndReplacesNothing) {
    testing::TempDir dir;
    const auto source = dir / "source.raiiaf";
    write_file(source, content_with_big_raw_latent());
    const auto target = dir / "target.raiiaf";
    write_file(target, testing::sample_content());
    const auto before = testing::read_file_bytes(target);
    ArtifactContent copied;
    {
        const Reader reader = Reader::open(source);
        copied = stored_content(reader);  // checked, and views of the mapping
    }
    ASSERT_TRUE(std::any_of(copied.stored_chunks.begin(), copied.stored_chunks.end(),
                            [](const StoredChunk& chunk) { return chunk.stored.is_view(); }));
    std::filesystem::resize_file(source, 4096);  // as another process would

    for (const bool durable : {true, false})
        EXPECT_MESSAGE_HAS(thrown_message<IoError>([&] { write_file(target, copied, {.durable = durable}); }),
                           "source.raiiaf: the file could not be read while mapped");
    EXPECT_THROW((void)encode(copied), IoError);
    WriteBatch batch;
    EXPECT_THROW(batch.add(target, copied), IoError);
    EXPECT_EQ(batch.pending(), 0u);
    batch.commit();
    EXPECT_EQ(testing::read_file_bytes(target), before);
    EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"source.raiiaf", "target.raiiaf"}));
}

TEST(MappedFileFaults, MapFileViewsTheFileAndAnImageThatShrankIsNeverWritten) {
    testing::TempDir dir;
    const auto png = dir / "image.png";
    const auto original = testing::read_file_bytes(testing::expected_dir("r1_f32_raw") / "image.png");
    testing::write_file_bytes(png, original);
    const Bytes image = map_file(png);
    EXPECT_TRUE(image.is_view());
    EXPECT_EQ(std::vector<std::byte>(image.span().begin(), image.span().end()), original);
    EXPECT_TRUE(image.intact());

    ArtifactContent content = testing::sample_content();
    content.image = ImageInput{image};
    std::filesystem::resize_file(png, 0);
    // The cause is named, not the check that the zeros fail (not a PNG).
    EXPECT_MESSAGE_HAS(thrown_message<IoError>([&] { write_file(dir / "out.raiiaf", content, {.durable = false}); }),
                       "image.png: the file could not be read while mapped");
    EXPECT_FALSE(image.intact());
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"image.png"});
    EXPECT_TRUE(Bytes::copy_of(original).intact());  // bytes in memory are never lost

    EXPECT_MESSAGE_HAS(thrown_message<IoError>([&] { (void)map_file(dir / "missing.png"); }), "missing.png");
    ASSERT_EQ(::mkfifo((dir / "fifo.png").c_str(), 0600), 0);
    EXPECT_MESSAGE_HAS(thrown_message<IoError>([&] { (void)map_file(dir / "fifo.png"); }), "not a regular file");
}

// Killed by SIGBUS, or (under a sanitizer, whose handler we chain to) ended
// with a failure: anything but carrying on as if the read had worked.
bool died_of_the_fault(int status) {
    if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGBUS;
    return WIFEXITED(status) && WEXITSTATUS(status) != 0;
}

TEST(MappedFileFaults, SigbusOutsideOurMappingsStillKills) {
    testing::TempDir dir;
    const auto path = dir / "other.bin";
    testing::write_file_bytes(path, std::vector<std::byte>(1 << 16, std::byte{1}));
    write_file(dir / "installs_the_handler.raiiaf", testing::sample_content());
    (void)Reader::open(dir / "installs_the_handler.raiiaf");
    EXPECT_EXIT(
        {
            const int fd = ::open(path.c_str(), O_RDONLY);
            auto* mapped = static_cast<volatile const char*>(::mmap(nullptr, 1 << 16, PROT_READ, MAP_PRIVATE, fd, 0));
            (void)::truncate(path.c_str(), 0);
            std::_Exit(mapped[1 << 15]);  // not one of the library's mappings
        },
        died_of_the_fault, "");
    EXPECT_EXIT(::raise(SIGBUS), died_of_the_fault, "");
}

// ---- the writer never writes what the reader refuses ------------------------

class RefusedWrite : public ::testing::Test {
protected:
    void SetUp() override {
        target_ = dir_ / "art.raiiaf";
        write_file(target_, testing::sample_content());
        before_ = testing::read_file_bytes(target_);
    }
    // `content` is refused with a message holding `text`; the previous file is untouched.
    void expect_refused(const ArtifactContent& content, const std::string& text) {
        EXPECT_MESSAGE_HAS(thrown_message<InvalidArgument>([&] { write_file(target_, content); }), text);
        EXPECT_EQ(testing::read_file_bytes(target_), before_);
        EXPECT_EQ(listing(dir_.path()), std::vector<std::string>{"art.raiiaf"});
        EXPECT_THROW((void)encode(content), InvalidArgument);
    }
    testing::TempDir dir_;
    std::filesystem::path target_;
    std::vector<std::byte> before_;
};

Json nested_arrays(std::size_t depth) {
    Json value = 1;
    for (std::size_t i = 0; i < depth; ++i) value = Json::array({std::move(value)});
    return value;
}

TEST_F(RefusedWrite, NanAndInfinity) {
    ArtifactContent content = testing::sample_content();
    (*content.model.generation_settings)["cfg_scale"] = std::nan("");
    expect_refused(content, "/model_info/generation_settings/cfg_scale: NaN and Infinity cannot be stored");
    (*content.model.generation_settings)["cfg_scale"] = std::numeric_limits<double>::infinity();
    expect_refused(content, "NaN and Infinity");
}

TEST_F(RefusedWrite, DeepJsonIsRefusedWithoutRecursing) {
    ArtifactContent content = testing::sample_content();
    (*content.model.generation_settings)["x"] = nested_arrays(20'000);  // overflowed the stack before
    expect_refused(content, "nesting deeper than 64");
    // The manifest adds its own levels: 62 in the settings is 65 in the file.
    (*content.model.generation_settings)["x"] = nested_arrays(62);
    expect_refused(content, "readers would refuse the file's manifest: /raiiaf_metadata/model_info/generation_settings/x/0/");
    expect_refused(content, ": JSON nesting deeper than 64 levels");
}

TEST_F(RefusedWrite, TooManyKeysValuesChunksOrManifestBytes) {
    ArtifactContent keys = testing::sample_content();
    for (int i = 0; i < 10'001; ++i) keys.model.extra["k" + std::to_string(i)] = i;
    expect_refused(keys, "more than 10000 keys");

    ArtifactContent values = testing::sample_content();
    Json many = Json::array();
    for (int i = 0; i < 1'000'001; ++i) many.push_back(0);
    (*values.model.generation_settings)["v"] = std::move(many);
    expect_refused(values, "more than 1000000 values");

    ArtifactContent prompt = testing::sample_content();
    prompt.model.prompt.assign(17u << 20, 'p');
    expect_refused(prompt, "its manifest would have");

    ArtifactContent latents = testing::sample_content();
    latents.latents.clear();
    for (int i = 0; i < 1'000; ++i) latents.latents.push_back({"l" + std::to_string(i), testing::random_tensor(DType::float32, {1})});
    expect_refused(latents, "1002 chunks (with the environment), the limit is 1000");
}

TEST(WriterBounds, WhatTheWriterAcceptsTheReaderOpens) {
    testing::TempDir dir;
    ArtifactContent content = testing::sample_content();
    (*content.model.generation_settings)["x"] = nested_arrays(58);
    for (int i = 0; i < 9'000; ++i) content.model.extra["k" + std::to_string(i)] = i;
    write_file(dir / "edge.raiiaf", content);
    EXPECT_TRUE(check_file(dir / "edge.raiiaf").ok());
}

// ---- bounded JSON from outside ---------------------------------------------------

TEST(BoundedJson, HostileTextIsRefusedBeforeATreeIsBuilt) {
    const std::string deep(60'000, '[');
    EXPECT_MESSAGE_HAS(thrown_message<InvalidArgument>([&] { (void)parse_json(deep + std::string(60'000, ']')); }),
                       "nesting deeper than 64");
    std::string keys = "{";
    for (int i = 0; i < 1'000'000; ++i) keys += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
    keys += "}";
    EXPECT_MESSAGE_HAS(thrown_message<InvalidArgument>([&] { (void)parse_json(keys); }), "more than 10000 keys");
    const auto syntax = thrown_message<InvalidArgument>([&] { (void)parse_json("{\"a\": NaN}"); });
    EXPECT_MESSAGE_HAS(syntax, "not valid JSON");
    EXPECT_TRUE(is_json_syntax(deep + std::string(60'000, ']')));
    EXPECT_FALSE(is_json_syntax("hello"));
    EXPECT_EQ(parse_json("{\"a\": [1, 2]}")["a"][1], 2);
}

TEST(BoundedJson, EnvironmentParsingHonoursTheCallersLimits) {
    Environment env = testing::fixed_environment();
    for (int i = 0; i < 200; ++i) env.components.push_back({"c" + std::to_string(i), "name=c;version=" + std::to_string(i)});
    const std::string text = serialize_environment(env);
    const auto payload = std::as_bytes(std::span(text.data(), text.size()));
    EXPECT_EQ(parse_environment(payload).components.size(), 202u);
    Limits tight;
    tight.max_json_values = 500;
    EXPECT_THROW((void)parse_environment(payload, tight), EnvChunkError);

    testing::TempDir dir;
    ArtifactContent content = testing::sample_content();
    content.environment = env;
    write_file(dir / "env.raiiaf", content);
    // Components the existing package does not record live in the manifest
    // (FORMAT.md section 8.8), so the reader's bound meets them when it opens.
    EXPECT_MESSAGE_HAS(thrown_message<MetadataError>([&] { (void)Reader::open(dir / "env.raiiaf", {.limits = tight}); }),
                       "more than 500 values");
}

// ---- header-decided refusals -----------------------------------------------------

TEST(HeaderDecided, HugeNpyIsRefusedFromItsHeader) {
    testing::TempDir dir;
    const auto path = dir / "huge.npy";
    const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1342177280,), }";
    std::string prefix = std::string("\x93NUMPY\x01\x00", 8);
    std::string padded = header + std::string(128 - 10 - header.size() - 1, ' ') + "\n";
    prefix += static_cast<char>(padded.size() & 0xFF);
    prefix += static_cast<char>(padded.size() >> 8);
    testing::write_file_bytes(path, std::as_bytes(std::span((prefix + padded).data(), prefix.size() + padded.size())));
    std::filesystem::resize_file(path, 128 + 1342177280ull * 4);  // 5 GiB, sparse: no disk used
    EXPECT_MESSAGE_HAS(thrown_message<TensorFileError>([&] { (void)read_npy_file(path); }),
                       "more than a chunk can hold");
}

TEST(HeaderDecided, UnknownMajorVersionIsRefused) {
    auto bytes = encode(testing::sample_content());
    bytes[6] = std::byte{9};  // version_major
    EXPECT_MESSAGE_HAS(thrown_message<CorruptHeader>([&] { (void)Reader::from_bytes(Bytes(bytes)); }),
                       "unsupported format version 9.0");
    EXPECT_FALSE(check_bytes(bytes).ok());
}

// ---- views, copies and alignment ---------------------------------------------------

TEST(TensorViews, UnalignedViewsRefuseTypedAccessAndCopiesAllowIt) {
    std::vector<std::byte> storage(4 * 8 + 1);
    const Tensor unaligned(DType::float32, {8}, Bytes::borrowed(std::span<const std::byte>(storage).subspan(1, 32)));
    EXPECT_MESSAGE_HAS(thrown_message<InvalidArgument>([&] { (void)unaligned.as<float>(); }), "not aligned");

    testing::TempDir dir;
    write_file(dir / "a.raiiaf", testing::sample_content());
    const Reader copying = Reader::open(dir / "a.raiiaf", {.copy_payloads = true});
    const Tensor copy = copying.load_latent(0);
    EXPECT_FALSE(copy.data().is_view());
    EXPECT_EQ(copy.as<float>().size(), 4u * 8 * 8);
}

TEST(ReaderBudget, DecompressionBudgetIsPerLoad) {
    testing::TempDir dir;
    write_file(dir / "z.raiiaf", testing::sample_content(), {.codec = Codec::zstd});
    Limits limits;
    limits.max_decompressed_total = 2'000;  // one 1 KiB latent fits, two would not
    const Reader reader = Reader::open(dir / "z.raiiaf", {.limits = limits});
    for (int i = 0; i < 3; ++i) EXPECT_NO_THROW((void)reader.load_latent(0)) << "load " << i;
    limits.max_decompressed_total = 1'000;
    EXPECT_THROW((void)Reader::open(dir / "z.raiiaf", {.limits = limits}).load_latent(0), ChunkError);
}

// ---- odd targets -------------------------------------------------------------------

TEST(AtomicTargets, SymlinkIsFollowedAndKept) {
    testing::TempDir dir;
    std::filesystem::create_directory(dir / "real");
    write_file_atomically(dir / "real/file", std::as_bytes(std::span("old", 3)));
    std::filesystem::create_symlink("real/file", dir / "link");
    write_file_atomically(dir / "link", std::as_bytes(std::span("new", 3)));
    EXPECT_TRUE(std::filesystem::is_symlink(dir / "link"));
    EXPECT_EQ(testing::read_file_text(dir / "real/file"), "new");
    std::filesystem::create_symlink("real/missing", dir / "dangling");
    write_file_atomically(dir / "dangling", std::as_bytes(std::span("made", 4)));
    EXPECT_TRUE(std::filesystem::is_symlink(dir / "dangling"));
    EXPECT_EQ(testing::read_file_text(dir / "real/missing"), "made");
}

TEST(AtomicTargets, FifosAndDevicesAreNeverReplaced) {
    testing::TempDir dir;
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
    EXPECT_MESSAGE_HAS(thrown_message<IoError>([&] { write_file(dir / "fifo", testing::sample_content()); }),
                       "refusing to replace a FIFO");
    EXPECT_EQ(std::filesystem::status(dir / "fifo").type(), std::filesystem::file_type::fifo);
    EXPECT_MESSAGE_HAS(thrown_message<IoError>([&] { (void)Reader::open(dir / "fifo"); }), "not a regular file");
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"fifo"});
    EXPECT_THROW(write_file(dir.path(), testing::sample_content()), IoError);  // a directory
}

TEST(AtomicTargets, SetuidAndSetgidAreNotCopied) {
    testing::TempDir dir;
    const auto path = dir / "s.raiiaf";
    write_file(path, testing::sample_content());
    ASSERT_EQ(::chmod(path.c_str(), 06750), 0);
    write_file(path, testing::sample_content());
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0750u);
}

TEST(AtomicTargets, LongestNamesWork) {
    testing::TempDir dir;
    const std::string name(255, 'n');
    write_file(dir / name, testing::sample_content());
    write_file(dir / name, testing::sample_content());  // and replacing it
    EXPECT_EQ(listing(dir.path()), std::vector<std::string>{name});
}

TEST(AtomicTargets, IoErrorsCarryTheirErrno) {
    testing::TempDir dir;
    try {
        write_file(dir / "missing/x.raiiaf", testing::sample_content());
        ADD_FAILURE() << "no error";
    } catch (const IoError& e) {
        EXPECT_EQ(e.system_error(), ENOENT);
    }
}

}  // namespace
}  // namespace raiiaf
