// Durability with a choice (docs/FORMAT.md is silent; README and
// include/raiiaf/writer.hpp): WriteOptions::durable and WriteBatch, whose
// files replace their targets only on commit(). What a power failure would do
// cannot be tested here; these check the atomicity each promise rests on.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

namespace fs = std::filesystem;

std::set<std::string> names_in(const fs::path& folder) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) names.insert(entry.path().filename().string());
    return names;
}

TEST(WriteBatch, TargetsAreReplacedOnlyOnCommit) {
    testing::TempDir dir;
    const ArtifactContent content = testing::sample_content();
    write_file(dir / "kept.raiiaf", content);
    const auto before = testing::read_file_bytes(dir / "kept.raiiaf");

    WriteBatch batch;
    ArtifactContent changed = content;
    changed.model.prompt = "changed";
    batch.add(dir / "kept.raiiaf", changed);
    batch.add(dir / "a.raiiaf", content);
    batch.add(dir / "b.raiiaf", content);
    EXPECT_EQ(batch.pending(), 3u);
    EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"kept.raiiaf"});  // nothing named yet
    EXPECT_EQ(testing::read_file_bytes(dir / "kept.raiiaf"), before);

    batch.commit();
    EXPECT_EQ(batch.pending(), 0u);
    EXPECT_EQ(names_in(dir.path()), (std::set<std::string>{"a.raiiaf", "b.raiiaf", "kept.raiiaf"}));
    for (const char* name : {"a.raiiaf", "b.raiiaf", "kept.raiiaf"}) EXPECT_TRUE(check_file(dir / name).ok()) << name;
    EXPECT_EQ(Reader::open(dir / "kept.raiiaf").model_info().prompt, "changed");
}

TEST(WriteBatch, AnUncommittedBatchLeavesNothing) {
    testing::TempDir dir;
    {
        WriteBatch batch;
        batch.add(dir / "a.raiiaf", testing::sample_content());
        batch.add(dir / "b.raiiaf", testing::sample_content());
    }
    EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(WriteBatch, AFailedAddLeavesNothingAndTheRestCommits) {
    testing::TempDir dir;
    WriteBatch batch;
    batch.add(dir / "good.raiiaf", testing::sample_content());
    ArtifactContent bad = testing::sample_content();
    bad.latents.push_back(bad.latents.front());  // a second latent of the same name
    EXPECT_THROW(batch.add(dir / "bad.raiiaf", bad), InvalidArgument);
    batch.commit();
    EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"good.raiiaf"});
}

TEST(WriteBatch, CommitsOnItsOwnPastItsOpenFileBound) {
    testing::TempDir dir;
    WriteBatch batch(2);
    for (int i = 0; i < 5; ++i) batch.add(dir / ("f" + std::to_string(i) + ".raiiaf"), testing::sample_content());
    EXPECT_EQ(batch.pending(), 1u);  // 2 + 2 committed on the way
    EXPECT_EQ(names_in(dir.path()).size(), 4u);
    batch.commit();
    EXPECT_EQ(names_in(dir.path()).size(), 5u);
}

TEST(Durability, NonDurableWritesAreStillAtomicAndComplete) {
    testing::TempDir dir;
    write_file(dir / "scratch.raiiaf", testing::sample_content(), {.durable = false});
    EXPECT_TRUE(check_file(dir / "scratch.raiiaf").ok());
    EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"scratch.raiiaf"});
}

std::vector<ArtifactContent> numbered_contents(int count) {
    std::vector<ArtifactContent> contents;
    for (int i = 0; i < count; ++i) {
        contents.push_back(testing::sample_content());
        contents.back().model.prompt = "file " + std::to_string(i);
    }
    return contents;
}

TEST(WriteBatch, AddAllWritesEveryFileAsAddWould) {
    testing::TempDir dir;
    const std::vector<ArtifactContent> contents = numbered_contents(40);
    std::vector<FileToWrite> files;
    for (std::size_t i = 0; i < contents.size(); ++i)
        files.push_back({dir / ("f" + std::to_string(i) + ".raiiaf"), &contents[i]});
    WriteBatch batch(16);  // commits on its own twice on the way, from whichever thread
    const std::vector<WriteResult> results = batch.add_all(files, {}, 4);
    ASSERT_EQ(results.size(), files.size());
    batch.commit();
    EXPECT_EQ(names_in(dir.path()).size(), files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        EXPECT_TRUE(check_file(files[i].path).ok()) << i;
        EXPECT_EQ(Reader::open(files[i].path).model_info().prompt, "file " + std::to_string(i));
        EXPECT_EQ(std::filesystem::file_size(files[i].path), results[i].file_size) << i;  // results in order
    }
}

TEST(WriteBatch, AddAllThrowsTheFirstFailureAndNamesNothingUncommitted) {
    for (const unsigned threads : {1u, 3u}) {
        testing::TempDir dir;
        std::vector<ArtifactContent> contents = numbered_contents(12);
        contents[3].latents.push_back(contents[3].latents.front());  // a second latent of the same name
        std::vector<FileToWrite> files;
        for (std::size_t i = 0; i < contents.size(); ++i)
            files.push_back({dir / ("f" + std::to_string(i) + ".raiiaf"), i == 7 ? nullptr : &contents[i]});
        {
            WriteBatch batch;
            try {
                (void)batch.add_all(files, {}, threads);
                ADD_FAILURE() << "add_all accepted a bad file";
            } catch (const InvalidArgument& e) {
                EXPECT_EQ(std::string(e.what()).find("f7"), std::string::npos) << e.what();  // item 3's, not 7's
            }
            EXPECT_TRUE(names_in(dir.path()).empty());
        }
        EXPECT_TRUE(names_in(dir.path()).empty());  // destroyed uncommitted
    }
}

// WriteOptions::threads = 1 (what add_all gives each file when it runs
// several): the same bytes, and no thread besides the caller's meanwhile.
TEST(WriteOptionsThreads, OneThreadWritesTheSameBytesOnTheCallersThreadAlone) {
    ArtifactContent content = testing::sample_content();
    // Enough to hash that a write of its own would take helpers (4 MiB + the image).
    content.latents.push_back({"big", testing::random_tensor(DType::float32, {1, 4, 512, 512}, 7), std::nullopt});
    content.latents.push_back({"packed", testing::random_tensor(DType::float32, {1, 4, 256, 256}, 8), Codec::zstd});
    const auto threads_now = [] {
        std::size_t count = 0;
        for ([[maybe_unused]] const auto& task : fs::directory_iterator("/proc/self/task")) ++count;
        return count;
    };
    const std::size_t before = threads_now();
    std::size_t most = 0;
    std::vector<std::byte> alone;
    const EncodeSink sink{[&](std::span<const std::byte> bytes) {
                              most = std::max(most, threads_now());
                              alone.insert(alone.end(), bytes.begin(), bytes.end());
                          },
                          [&](std::span<const std::byte> header) { std::copy(header.begin(), header.end(), alone.begin()); }};
    (void)encode_to(content, {.threads = 1}, sink);
    EXPECT_EQ(most, before);
    EXPECT_EQ(alone, encode(content));  // all cores: the same file

    testing::TempDir dir;
    write_file(dir / "one.raiiaf", content, {.durable = false, .threads = 1});
    EXPECT_EQ(testing::read_file_bytes(dir / "one.raiiaf"), alone);
}

}  // namespace
}  // namespace raiiaf
