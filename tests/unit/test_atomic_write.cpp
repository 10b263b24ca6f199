// write_file replaces atomically: a failure mid-write leaves the previous
// file intact and no temporary file behind.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <fstream>
#include <span>
#include <string_view>

#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

std::vector<std::string> directory_listing(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

// Makes writes past `bytes` fail with EFBIG (a real failure from the kernel,
// like a full disk) for the lifetime of the object.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        previous_handler_ = signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &previous_);
        rlimit limited = previous_;
        limited.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limited);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &previous_);
        signal(SIGXFSZ, previous_handler_);
    }

private:
    rlimit previous_{};
    sighandler_t previous_handler_;
};

TEST(AtomicWrite, FailureMidWriteKeepsThePreviousFile) {
    testing::TempDir dir;
    const auto target = dir / "art.raiiaf";
    ArtifactContent small = testing::sample_content();
    write_file(target, small);
    const auto before = testing::read_file_bytes(target);

    ArtifactContent large = testing::sample_content();
    large.latents = {{"big", testing::random_tensor(DType::float32, {1, 4, 256, 256}), std::nullopt}};
    {
        FileSizeLimit limit(before.size() + 4096);  // the new file is ~1 MiB: it fails part way
        EXPECT_THROW(write_file(target, large), IoError);
    }
    EXPECT_EQ(testing::read_file_bytes(target), before);
    EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"art.raiiaf"});

    write_file(target, large);  // and without the limit it succeeds
    EXPECT_EQ(Reader::open(target).latents()[0].name, "big");
    EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"art.raiiaf"});
}

TEST(AtomicWrite, EncodingErrorsTouchNothing) {
    testing::TempDir dir;
    const auto target = dir / "art.raiiaf";
    ArtifactContent bad = testing::sample_content();
    bad.latents.push_back(bad.latents[0]);  // duplicate name
    EXPECT_THROW(write_file(target, bad), InvalidArgument);
    EXPECT_TRUE(directory_listing(dir.path()).empty());
}

TEST(AtomicWrite, MissingDirectoryIsAnIoError) {
    testing::TempDir dir;
    EXPECT_THROW(write_file(dir / "no/such/dir/x.raiiaf", testing::sample_content()), IoError);
}

TEST(AtomicWrite, KeepsThePermissionsOfTheFileItReplaces) {
    testing::TempDir dir;
    const auto target = dir / "art.raiiaf";
    write_file(target, testing::sample_content());
    std::filesystem::permissions(target, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    write_file(target, testing::sample_content());
    EXPECT_EQ(std::filesystem::status(target).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string text_of(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::span<const std::byte> bytes_of(std::string_view text) { return std::as_bytes(std::span(text)); }

TEST(AtomicWrite, ANewTargetAppearsOnlyWholeAndUnderItsOwnName) {
    testing::TempDir dir;
    const auto target = dir / "new.bin";
    AtomicFile file(target);
    file.write(bytes_of("complete"));
    EXPECT_TRUE(directory_listing(dir.path()).empty());  // nothing named before the commit
    file.commit(false);
    EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"new.bin"});
    EXPECT_EQ(text_of(target), "complete");
}

// The target did not exist when the file was opened but does at commit: it
// is replaced (atomically), not kept and not failed on.
TEST(AtomicWrite, ATargetMadeMeanwhileIsReplaced) {
    for (const bool durable : {false, true}) {
        testing::TempDir dir;
        const auto target = dir / "raced.bin";
        AtomicFile file(target);
        file.write(bytes_of("ours"));
        std::ofstream(target) << "someone else's";
        file.commit(durable);
        EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"raced.bin"});
        EXPECT_EQ(text_of(target), "ours");
    }
}

// reserve() allocates past what is finally written; the committed file has
// exactly the bytes written and keeps no allocation beyond them.
TEST(AtomicWrite, ReservedSpaceIsTrimmedToWhatWasWritten) {
    testing::TempDir dir;
    const auto target = dir / "replaced.bin";
    write_file_atomically(target, bytes_of("old contents"), false);
    AtomicFile file(target);
    file.reserve(8u << 20);
    file.write(bytes_of("new"));
    file.write_at(0, bytes_of("N"));
    file.commit(false);
    EXPECT_EQ(text_of(target), "New");
    struct stat info {};
    ASSERT_EQ(::stat(target.c_str(), &info), 0);
    EXPECT_EQ(info.st_size, 3);
    EXPECT_LT(info.st_blocks * 512, 1 << 20);  // the 8 MiB reserved are given back
    EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"replaced.bin"});
}

TEST(AtomicWrite, NonDurableReplacementIsCompleteAndExact) {
    testing::TempDir dir;
    const auto target = dir / "art.raiiaf";
    write_file(target, testing::sample_content(), {.durable = false});
    ArtifactContent changed = testing::sample_content();
    changed.model.prompt = "second";
    const WriteResult result = write_file(target, changed, {.durable = false});
    EXPECT_EQ(std::filesystem::file_size(target), result.file_size);
    EXPECT_TRUE(check_file(target).ok());
    EXPECT_EQ(Reader::open(target).model_info().prompt, "second");
    EXPECT_EQ(directory_listing(dir.path()), std::vector<std::string>{"art.raiiaf"});
}

// A new file is reserved too when it is large (delayed allocation per block
// costs more then), never when small; either way trimmed on commit.
TEST(AtomicWrite, ANewLargeFileIsReservedAndTrimmedASmallOneIsNotReserved) {
    testing::TempDir dir;
    const auto size_now = [](const AtomicFile& file) {
        struct stat info {};
        EXPECT_EQ(::fstat(file.descriptor(), &info), 0);
        return info.st_size;
    };
    AtomicFile large(dir / "large.bin");
    large.reserve(8u << 20);
    EXPECT_EQ(size_now(large), 8 << 20);  // fallocate (every file system the tests run on has it)
    large.write(bytes_of("new"));
    large.commit(false);
    struct stat info {};
    ASSERT_EQ(::stat((dir / "large.bin").c_str(), &info), 0);
    EXPECT_EQ(info.st_size, 3);
    EXPECT_LT(info.st_blocks * 512, 1 << 20);

    AtomicFile small(dir / "small.bin");
    small.reserve(64u << 10);
    EXPECT_EQ(size_now(small), 0);
    small.write(bytes_of("tiny"));
    small.commit(false);
    EXPECT_EQ(text_of(dir / "small.bin"), "tiny");
    EXPECT_EQ(directory_listing(dir.path()), (std::vector<std::string>{"large.bin", "small.bin"}));
}

TEST(AtomicWrite, NonDurableNewLargeArtifactIsCompleteAndExact) {
    testing::TempDir dir;
    ArtifactContent content = testing::sample_content();
    content.latents.push_back({"big", testing::random_tensor(DType::float32, {1, 4, 256, 256}), std::nullopt});
    const auto target = dir / "new.raiiaf";
    const WriteResult result = write_file(target, content, {.durable = false});
    EXPECT_EQ(std::filesystem::file_size(target), result.file_size);
    EXPECT_TRUE(check_file(target).ok());
    EXPECT_EQ(testing::read_file_bytes(target), encode(content));
}

}  // namespace
}  // namespace raiiaf
