// Durability with a choice (docs/FORMAT.md is silent; README and
// include/raiiaf/writer.hpp): WriteOptions::durable and WriteBatch, whose
// files replace their targets only on commit(). What a power failure would do
// cannot be tested here; these check the atomicity each promise rests on.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

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

}  // namespace
}  // namespace raiiaf
