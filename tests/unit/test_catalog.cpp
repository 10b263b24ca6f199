// The catalogue over a generated tree, on SQLite and on PostgreSQL. The
// PostgreSQL cases need a server: scripts/start-postgres.sh starts one and
// scripts/test.sh exports its URL as RAIIAF_TEST_POSTGRES_URL; without it they
// are reported as skipped (GTEST_SKIP), never passed.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "../../tools/rgb_png.hpp"
#include "catalog/database.hpp"
#include "catalog/indexer.hpp"
#include "catalog/schema.hpp"
#include "catalog/query.hpp"
#include "expect_error.hpp"
#include "raiiaf/catalog.hpp"
#include "raiiaf/export.hpp"
#include "raiiaf/reader.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr std::uint64_t kMaxSeed = 18446744073709551615ull;

struct Spec {
    std::string name;  // file path under the tree
    std::string model = "SDXL";
    std::string prompt;
    Json settings = Json::object();
    std::vector<std::string> tags;
    std::string date = "2026-11-02T10:00:00.000000+00:00";
    unsigned noise_seed = 1;
    int image_colour = -1;  // -1: no image
    std::string gpu = "NVIDIA A100-SXM4-80GB";
    Layout layout = Layout::raiiaf;
};

Bytes png(int colour) {
    std::vector<std::uint8_t> rgb(4 * 4 * 3, static_cast<std::uint8_t>(colour));
    return Bytes(tools::encode_rgb_png(rgb, 4, 4));
}

void write_spec(const fs::path& root, const Spec& spec) {
    ArtifactContent content;
    content.model.model_name = spec.model;
    content.model.version = "1.0";
    content.model.date = spec.date;
    content.model.prompt = spec.prompt;
    content.model.tags = spec.tags;
    content.model.generation_settings = spec.settings;
    content.latents.push_back({"initial_noise", testing::random_tensor(DType::float32, {1, 4, 8, 8}, spec.noise_seed), {}});
    if (spec.image_colour >= 0) content.image = ImageInput{png(spec.image_colour), Json::object()};
    content.environment = Environment{1, {{"os", "name=os;version=Linux 6.1"}, {"gpu", "name=gpu;model=" + spec.gpu}}};
    WriteOptions options;
    options.layout = spec.layout;
    if (spec.layout == Layout::gen5) options.codec = Codec::zstd;
    fs::create_directories((root / spec.name).parent_path());
    write_file(root / spec.name, content, options);
}

std::vector<Spec> tree_specs() {
    return {
        {"a.raiiaf", "SDXL", "a fennec in the desert at dusk",
         {{"seed", 1337}, {"steps", 30}, {"sampler", "euler_a"}, {"scheduler", "karras"}, {"cfg", 7.5}, {"width", 1024},
          {"height", 1024}, {"negative_prompt", "blurry"}},
         {"cat", "fennec"}, "2026-11-02T10:00:00.000000+00:00", 1, 10},
        {"b.raiiaf", "SDXL", "a cat on a sofa",
         {{"seed", kMaxSeed}, {"steps", 20}, {"sampler", "ddim"}, {"cfg", 5}, {"width", 768}, {"height", 512}},
         {"cat"}, "2026-10-15T08:30:00.000000+00:00", 2, 20, "NVIDIA GeForce RTX 4090"},
        {"sub/deeper/c.raiiaf", "Stable Diffusion 3", "neon fennec city",
         {{"seed", 9223372036854775808ull}, {"steps", 50}, {"sampler", "euler"}},
         {"neon"}, "2026-11-20T23:59:59.000000+00:00", 1, 20},
        {"d.gen5", "sdxl", "mountain lake", {{"seed", 0}, {"steps", 30}, {"sampler", "dpmpp_2m"}}, {"landscape"},
         "2026-11-01T00:00:00.000000+00:00", 4, -1, "NVIDIA A100-PCIE-40GB", Layout::gen5},
    };
}

std::set<std::string> names(const std::vector<CatalogEntry>& entries, const fs::path& root) {
    std::set<std::string> out;
    for (const auto& e : entries) out.insert(fs::relative(e.path, root).string());
    return out;
}

class CatalogTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        root_ = fs::canonical(tree_.path());
        if (GetParam() == "sqlite") {
            location_ = (db_dir_ / "catalog.sqlite").string();
            return;
        }
        const char* url = std::getenv("RAIIAF_TEST_POSTGRES_URL");
        if (url == nullptr || *url == '\0')
            GTEST_SKIP() << "RAIIAF_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against "
                            "(scripts/start-postgres.sh starts one; scripts/test.sh exports it)";
        // One schema per test, so that tests running in parallel do not meet.
        admin_ = catalog::open_postgresql(url);
        schema_ = "raiiaf_test_" + std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}());
        admin_->execute("CREATE SCHEMA " + schema_);
        location_ = std::string(url) + (std::string(url).find('?') == std::string::npos ? "?" : "&") +
                    "options=-csearch_path%3D" + schema_;
    }
    void TearDown() override {
        if (admin_) admin_->execute("DROP SCHEMA " + schema_ + " CASCADE");
    }

    Catalog open() { return Catalog::open(location_); }
    void make_tree() {
        for (const auto& spec : tree_specs()) write_spec(root_, spec);
        testing::write_file_bytes(root_ / "garbage.raiiaf", std::as_bytes(std::span(std::string_view("not an artifact"))));
        auto truncated = testing::read_file_bytes(root_ / "a.raiiaf");
        truncated.resize(truncated.size() / 2);
        testing::write_file_bytes(root_ / "sub/truncated.raiiaf", truncated);
        testing::write_file_bytes(root_ / "notes.txt", std::as_bytes(std::span(std::string_view("ignored"))));
    }
    std::set<std::string> find(const Catalog& catalog, const std::string& query) {
        return names(catalog.find(query), root_);
    }

    TempDir tree_;
    TempDir db_dir_;
    fs::path root_;
    std::string location_;
    std::unique_ptr<catalog::Database> admin_;
    std::string schema_;
};

using Names = std::set<std::string>;

TEST_P(CatalogTest, IndexesATreeAndAnswersEveryFilter) {
    make_tree();
    Catalog catalog = open();
    EXPECT_EQ(catalog.schema_version(), Catalog::current_schema_version());
    const IndexSummary s = catalog.index({root_});
    EXPECT_EQ(s.seen, 6u);  // notes.txt is not read
    EXPECT_EQ(s.added, 6u);
    EXPECT_EQ(s.damaged, 2u);
    EXPECT_EQ(catalog.size(), 6u);

    const Names all = {"a.raiiaf", "b.raiiaf", "sub/deeper/c.raiiaf", "d.gen5"};
    EXPECT_EQ(find(catalog, ""), all);
    EXPECT_EQ(find(catalog, "model:sdxl"), (Names{"a.raiiaf", "b.raiiaf", "d.gen5"}));
    EXPECT_EQ(find(catalog, "model:\"stable diffusion 3\""), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "model:stable*"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "-model:sdxl"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "model!=sdxl"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "seed:1337"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "steps>=30"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf", "d.gen5"}));
    EXPECT_EQ(find(catalog, "steps<30"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "steps:30 steps<=30"), (Names{"a.raiiaf", "d.gen5"}));
    EXPECT_EQ(find(catalog, "sampler:euler*"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "sampler:euler"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "scheduler:karras"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "cfg>6"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "cfg:5"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "size:768x512"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "width>=1024"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "tag:cat"), (Names{"a.raiiaf", "b.raiiaf"}));
    EXPECT_EQ(find(catalog, "tag:CAT -tag:fennec"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "env.gpu:A100"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf", "d.gen5"}));
    EXPECT_EQ(find(catalog, "env.gpu:a100-sxm4*"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "env.gpu:4090"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "date>=2026-11-01"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf", "d.gen5"}));
    EXPECT_EQ(find(catalog, "date<2026-11-01"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "date:2026-11-20"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "date<=2026-11-01"), (Names{"b.raiiaf", "d.gen5"}));
    EXPECT_EQ(find(catalog, "date>2026-11-02"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "latent.shape:1x4x8x8"), all);
    EXPECT_EQ(find(catalog, "latent.shape:1x4x128x128"), Names{});
    EXPECT_EQ(find(catalog, "latent.name:initial_noise latent.dtype:float32"), all);
    EXPECT_EQ(find(catalog, "latent.codec:zstd"), (Names{"d.gen5"}));
    EXPECT_EQ(find(catalog, "layout:gen5"), (Names{"d.gen5"}));
    EXPECT_EQ(find(catalog, "image.format:png"), (Names{"a.raiiaf", "b.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "set.scheduler:karras"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "set.steps:50"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "path:*/sub/*"), (Names{"sub/deeper/c.raiiaf"}));

    // Full text: words, prefixes, phrases, the negative prompt, with filters.
    EXPECT_EQ(find(catalog, "fennec"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "FENNEC"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "model:sdxl fennec"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "fenn*"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "\"fennec city\""), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "\"city fennec\""), Names{});
    EXPECT_EQ(find(catalog, "-fennec"), (Names{"b.raiiaf", "d.gen5"}));
    EXPECT_EQ(find(catalog, "negative:blurry"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "blurry"), Names{});  // the negative prompt is not the prompt
    EXPECT_EQ(find(catalog, "prompt:sofa"), (Names{"b.raiiaf"}));

    // Damaged files are recorded with their error and listed only on request.
    const auto damaged = catalog.find("state:damaged");
    EXPECT_EQ(names(damaged, root_), (Names{"garbage.raiiaf", "sub/truncated.raiiaf"}));
    for (const auto& e : damaged) {
        EXPECT_TRUE(e.damaged);
        EXPECT_FALSE(e.error.empty());
        EXPECT_FALSE(e.error_kind.empty());
    }
    EXPECT_EQ(find(catalog, "state:any").size(), 6u);

    // What an entry holds.
    const auto a = catalog.find("seed:1337");
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].model, "SDXL");
    EXPECT_EQ(a[0].negative_prompt, "blurry");
    EXPECT_EQ(a[0].tags, (std::vector<std::string>{"cat", "fennec"}));
    EXPECT_EQ(a[0].steps, 30);
    EXPECT_EQ(a[0].cfg, 7.5);
    EXPECT_EQ(a[0].layout, "raiiaf");
    ASSERT_EQ(a[0].latents.size(), 1u);
    EXPECT_EQ(a[0].latents[0].shape, "1x4x8x8");
    EXPECT_EQ(a[0].latents[0].digest, Reader::open(root_ / "a.raiiaf").chunks()[0].hash);
    EXPECT_EQ(a[0].noise_digest, a[0].latents[0].digest);
    ASSERT_EQ(a[0].environment.size(), 2u);
    EXPECT_EQ(a[0].environment[1].second, "name=gpu;model=NVIDIA A100-SXM4-80GB");
    EXPECT_EQ(a[0].settings["sampler"], "euler_a");

    // Sorting and limits.
    FindOptions by_seed;
    by_seed.sort = "-seed";
    const auto sorted = catalog.find("", by_seed);
    ASSERT_EQ(sorted.size(), 4u);
    EXPECT_EQ(sorted[0].seed, kMaxSeed);
    EXPECT_EQ(sorted[3].seed, 0u);
    by_seed.limit = 2;
    EXPECT_EQ(catalog.find("", by_seed).size(), 2u);
}

// A mixed folder: artifacts, an exported image carrying one, generator images
// (real files of ../shared/interop, read through the importer) and an image
// with nothing to index.
TEST_P(CatalogTest, IndexesAMixedFolder) {
    write_spec(root_, tree_specs()[0]);  // SDXL, "a fennec in the desert at dusk"
    ExportOptions embed;
    embed.embed = true;
    const auto exported = export_image(testing::read_file_bytes(root_ / "a.raiiaf"), embed);
    fs::remove(root_ / "a.raiiaf");
    testing::write_file_bytes(root_ / "exported.png", exported);
    const fs::path interop = fs::path(RAIIAF_TEST_DATA_DIR) / "interop";
    fs::copy_file(interop / "enslo_forge-classic-en.png", root_ / "forge.png");
    fs::copy_file(interop / "enslo_forge-neo.jpeg", root_ / "forge-neo.jpeg");
    testing::write_file_bytes(root_ / "plain.png", png(7).span());
    testing::write_file_bytes(root_ / "broken.webp", std::as_bytes(std::span(std::string_view("RIFF\x10\0\0\0WEBPVP8 "))));

    Catalog catalog = open();
    const IndexSummary s = catalog.index({root_});
    EXPECT_EQ(s.seen, 5u);
    EXPECT_EQ(s.unrecognised, 1u);
    EXPECT_EQ(s.damaged, 1u);
    EXPECT_EQ(find(catalog, "model:sdxl fennec"), (Names{"exported.png"}));
    EXPECT_EQ(find(catalog, "source:embedded"), (Names{"exported.png"}));
    EXPECT_EQ(find(catalog, "source:imported"), (Names{"forge.png", "forge-neo.jpeg"}));
    EXPECT_EQ(find(catalog, "generator:automatic1111 seed:1239240392 steps:20 miku"), (Names{"forge.png"}));
    EXPECT_EQ(find(catalog, "model:waiIllustriousSDXL_v160 image.format:png size:1024x1024"), (Names{"forge.png"}));
    EXPECT_EQ(find(catalog, "state:other"), (Names{"plain.png"}));
    EXPECT_EQ(find(catalog, "state:damaged"), (Names{"broken.webp"}));
    const auto exported_entry = catalog.find("source:embedded");
    ASSERT_EQ(exported_entry.size(), 1u);
    EXPECT_EQ(exported_entry[0].latents.size(), 1u);
    EXPECT_FALSE(exported_entry[0].environment.empty());
    // Nothing is read again, the unrecognised image included.
    const IndexSummary again = catalog.index({root_});
    EXPECT_EQ(again.unchanged, 5u);
    EXPECT_EQ(again.unrecognised + again.added + again.updated, 0u);
}

TEST_P(CatalogTest, SeedsAreExact64BitIntegers) {
    make_tree();
    Catalog catalog = open();
    catalog.index({root_});
    EXPECT_EQ(find(catalog, "seed:18446744073709551615"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "seed:18446744073709551614"), Names{});
    EXPECT_EQ(find(catalog, "seed:9223372036854775808"), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "seed:9223372036854775807"), Names{});
    EXPECT_EQ(find(catalog, "seed>=9223372036854775808"), (Names{"b.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "seed>9223372036854775808"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "seed<1"), (Names{"d.gen5"}));
    EXPECT_EQ(find(catalog, "seed<=1337"), (Names{"a.raiiaf", "d.gen5"}));
    const auto b = catalog.find("seed:18446744073709551615");
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].seed, kMaxSeed);
    EXPECT_EQ(to_json(b[0])["seed"].get<std::uint64_t>(), kMaxSeed);
}

TEST_P(CatalogTest, DuplicatesAndSameNoise) {
    make_tree();
    Catalog catalog = open();
    catalog.index({root_});
    // a and c share the initial noise (seed 1 of the generator); b and c the image.
    EXPECT_EQ(names(catalog.same_noise(root_ / "a.raiiaf"), root_), (Names{"sub/deeper/c.raiiaf"}));
    EXPECT_EQ(names(catalog.same_noise(root_ / "b.raiiaf"), root_), Names{});
    // A file outside the catalogue is read for its noise.
    Spec outside = tree_specs()[0];
    outside.name = "outside.raiiaf";
    TempDir elsewhere;
    write_spec(elsewhere.path(), outside);
    EXPECT_EQ(names(catalog.same_noise(elsewhere / "outside.raiiaf"), root_), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));

    const auto groups = catalog.duplicates();
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0].kind, "image");
    EXPECT_EQ(names(groups[0].entries, root_), (Names{"b.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(groups[1].kind, "noise");
    EXPECT_EQ(names(groups[1].entries, root_), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
}

TEST_P(CatalogTest, ReindexIsIncrementalAndNoticesChanges) {
    make_tree();
    Catalog catalog = open();
    catalog.index({root_});
    const auto before = catalog.find("state:any");

    // Unchanged: nothing read, nothing written, the same answers.
    IndexSummary s = catalog.index({root_});
    EXPECT_EQ(s.unchanged, 6u);
    EXPECT_EQ(s.added + s.updated + s.deleted + s.moved + s.damaged, 0u);
    const auto after = catalog.find("state:any");
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(to_json(after[i]), to_json(before[i]));

    // Touched (new mtime, same manifest): unchanged, not re-recorded.
    fs::last_write_time(root_ / "a.raiiaf", fs::last_write_time(root_ / "a.raiiaf") + std::chrono::seconds(5));
    s = catalog.index({root_});
    EXPECT_EQ(s.unchanged, 6u);
    EXPECT_EQ(s.updated, 0u);

    // Rewritten with another prompt: updated; the full-text index follows.
    Spec changed = tree_specs()[1];
    changed.prompt = "a capybara in a hot spring";
    write_spec(root_, changed);
    s = catalog.index({root_});
    EXPECT_EQ(s.updated, 1u);
    EXPECT_EQ(find(catalog, "capybara"), (Names{"b.raiiaf"}));
    EXPECT_EQ(find(catalog, "sofa"), Names{});

    // Moved and deleted.
    fs::rename(root_ / "d.gen5", root_ / "sub/d-moved.gen5");
    fs::remove(root_ / "garbage.raiiaf");
    s = catalog.index({root_});
    EXPECT_EQ(s.moved, 1u);
    EXPECT_EQ(s.added, 1u);
    EXPECT_EQ(s.deleted, 1u);
    EXPECT_EQ(find(catalog, "layout:gen5"), (Names{"sub/d-moved.gen5"}));
    EXPECT_EQ(find(catalog, "state:damaged"), (Names{"sub/truncated.raiiaf"}));
    EXPECT_EQ(catalog.size(), 5u);

    // A damaged file that is repaired becomes an ordinary entry.
    Spec repaired;
    repaired.name = "sub/truncated.raiiaf";
    repaired.model = "Repaired";
    repaired.prompt = "fixed now";
    repaired.settings = Json{{"seed", 5}, {"steps", 10}, {"sampler", "euler"}};
    write_spec(root_, repaired);
    s = catalog.index({root_});
    EXPECT_EQ(s.updated, 1u);
    EXPECT_EQ(find(catalog, "model:repaired"), (Names{"sub/truncated.raiiaf"}));
    EXPECT_EQ(find(catalog, "state:damaged"), Names{});

    // Indexing a subfolder does not forget what lies outside it.
    s = catalog.index({root_ / "sub"});
    EXPECT_EQ(s.deleted, 0u);
    EXPECT_EQ(catalog.size(), 5u);
}

TEST_P(CatalogTest, ConcurrentIndexersAreSafe) {
    make_tree();
    for (int i = 0; i < 40; ++i) {
        Spec spec = tree_specs()[i % 4];
        spec.name = "many/" + std::to_string(i) + (spec.layout == Layout::gen5 ? ".gen5" : ".raiiaf");
        spec.noise_seed = 100 + static_cast<unsigned>(i);
        write_spec(root_, spec);
    }
    open();  // schema made once, so that both race on data, not DDL
    std::vector<std::string> errors(2);
    {
        std::vector<std::jthread> indexers;
        for (int t = 0; t < 2; ++t)
            indexers.emplace_back([&, t] {
                try {
                    Catalog mine = open();
                    mine.index({root_});
                    mine.index({root_ / "many"});
                } catch (const std::exception& e) {
                    errors[static_cast<std::size_t>(t)] = e.what();
                }
            });
    }
    EXPECT_EQ(errors[0], "");
    EXPECT_EQ(errors[1], "");
    Catalog catalog = open();
    EXPECT_EQ(catalog.size(), 46u);
    EXPECT_EQ(catalog.find("tag:cat").size(), 22u);  // a and b, and 20 copies; each once
    const IndexSummary s = catalog.index({root_});
    EXPECT_EQ(s.unchanged, 46u);
}

// As two `raiiaf index` runs on two machines' shells would: separate
// processes, each with its own connection, racing on the same rows.
TEST_P(CatalogTest, ConcurrentIndexerProcessesAreSafe) {
    make_tree();
    for (int i = 0; i < 60; ++i) {
        Spec spec = tree_specs()[i % 4];
        spec.name = "many/" + std::to_string(i) + (spec.layout == Layout::gen5 ? ".gen5" : ".raiiaf");
        spec.noise_seed = 200 + static_cast<unsigned>(i);
        write_spec(root_, spec);
    }
    std::vector<pid_t> children;
    for (int p = 0; p < 2; ++p) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0) << "fork failed";
        if (pid == 0) {
            int status = 0;
            try {
                Catalog mine = Catalog::open(location_);  // both may create the schema, too
                mine.index({root_ / "many"});
                mine.index({root_});
            } catch (const std::exception& e) {
                std::fprintf(stderr, "indexer process %d: %s\n", p, e.what());
                status = 1;
            }
            std::fflush(stderr);
            ::_exit(status);
        }
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "an indexer process failed (its error is above)";
    }
    Catalog catalog = open();
    EXPECT_EQ(catalog.size(), 66u);
    EXPECT_EQ(catalog.find("tag:cat").size(), 32u);  // a and b, and 30 copies; each once
    EXPECT_EQ(catalog.index({root_}).unchanged, 66u);
}

// The planner statistics are refreshed by an index run that changed rows, and
// a page of full-text results is the same whichever plan finds it: looked up
// by id (few matches) or tested along the path order (many matches).
TEST_P(CatalogTest, FullTextPagesAreTheSameWhateverThePlan) {
    for (int i = 0; i < 80; ++i) {
        Spec spec = tree_specs()[0];
        spec.name = "p/" + std::to_string(1000 + i) + ".raiiaf";
        spec.prompt = i % 8 == 0 ? "a rare okapi" : "a fennec, number " + std::to_string(i);
        spec.noise_seed = 300 + static_cast<unsigned>(i);
        write_spec(root_, spec);
    }
    Catalog catalog = open();
    catalog.index({root_});
    for (const std::string query : {"fennec", "okapi", "fennec number", "model:sdxl fennec", "okapi -fennec"}) {
        const auto all = catalog.find(query);
        ASSERT_FALSE(all.empty()) << query;
        for (const std::size_t limit : {1, 5, 30}) {
            FindOptions options;
            options.limit = limit;
            std::vector<std::string> expected, got;
            for (std::size_t i = 0; i < std::min(limit, all.size()); ++i) expected.push_back(all[i].path);
            for (const auto& e : catalog.find(query, options)) got.push_back(e.path);
            EXPECT_EQ(got, expected) << query << " --limit " << limit;
            options.sort = "-path";
            got.clear();
            for (const auto& e : catalog.find(query, options)) got.push_back(e.path);
            ASSERT_EQ(got.size(), expected.size()) << query;
            EXPECT_EQ(got.front(), all.back().path) << query << " --sort -path --limit " << limit;
        }
    }
    const auto filtered = catalog::compile_query("fennec", catalog::Backend::sqlite, catalog::FullTextPlan::filter);
    EXPECT_NE(filtered.where.find("+a.id IN"), std::string::npos);
    EXPECT_EQ(catalog::compile_query("fennec", catalog::Backend::sqlite).where.find("+a.id"), std::string::npos);
    if (GetParam() == "sqlite") {
        auto db = catalog::open_sqlite(location_);
        const auto rows = db->query("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'artifact'");
        EXPECT_GT(catalog::int_of(rows.at(0).at(0)).value_or(0), 0) << "no planner statistics after indexing";
    }
}

TEST_P(CatalogTest, ConcurrentSchemaCreationIsSafe) {
    std::vector<std::string> errors(3);
    {
        std::vector<std::jthread> openers;
        for (std::size_t t = 0; t < errors.size(); ++t)
            openers.emplace_back([&, t] {
                try {
                    (void)open();
                } catch (const std::exception& e) {
                    errors[t] = e.what();
                }
            });
    }
    for (const auto& e : errors) EXPECT_EQ(e, "");
    EXPECT_EQ(open().schema_version(), Catalog::current_schema_version());
}

// A catalogue made by raiiaf 1.2.0's first release (schema 1) is migrated on
// open and answers every kind of query the same; nothing is re-indexed.
TEST_P(CatalogTest, MigratesAVersion1Catalogue) {
    make_tree();
    {
        auto db = GetParam() == "sqlite" ? catalog::open_sqlite(location_) : catalog::open_postgresql(location_);
        catalog::migrate(*db, 1);
        ASSERT_EQ(catalog::stored_schema_version(*db), 1);
        (void)catalog::index_roots(*db, {root_}, {});
    }
    Catalog catalog = open();
    EXPECT_EQ(catalog.schema_version(), 2);
    EXPECT_EQ(find(catalog, "fennec"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(find(catalog, "negative:blurry"), (Names{"a.raiiaf"}));
    EXPECT_EQ(find(catalog, "sampler:euler*"), (Names{"a.raiiaf", "sub/deeper/c.raiiaf"}));
    EXPECT_EQ(catalog.index({root_}).unchanged, 6u);
}

TEST_P(CatalogTest, RefusesANewerSchema) {
    {
        Catalog catalog = open();
    }
    auto db = GetParam() == "sqlite" ? catalog::open_sqlite(location_) : catalog::open_postgresql(location_);
    db->execute("INSERT INTO schema_version (version) VALUES (99)");
    EXPECT_MESSAGE_HAS(testing::thrown_message<CatalogError>([&] { (void)open(); }), "schema version 99");
}

TEST_P(CatalogTest, MissingFolderIsAnIoError) {
    Catalog catalog = open();
    EXPECT_MESSAGE_HAS(testing::thrown_message<IoError>([&] { catalog.index({root_ / "nope"}); }), "no such file");
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

// ---- the query language's errors ---------------------------------------------

struct BadQuery {
    std::string query;
    std::size_t column;
    std::string message;
};

TEST(CatalogQuery, BadQueriesPointAtTheColumn) {
    const std::vector<BadQuery> cases = {
        {"mdoel:sdxl", 1, "unknown field 'mdoel'; did you mean 'model'?"},
        {"fennec colour:red", 8, "unknown field 'colour'"},
        {"steps>=abc", 8, "steps expects an integer, not 'abc'"},
        {"steps>=", 8, "missing value after 'steps>='"},
        {"model>=sdxl", 6, "'model' takes ':' or '!='"},
        {"seed:-1", 6, "seed is an integer from 0 to 18446744073709551615"},
        {"seed:18446744073709551616", 6, "seed is an integer from 0"},
        {"seed:12abc", 6, "seed is an integer"},
        {"cfg:high", 5, "cfg expects a number"},
        {"date>=2026-13-01", 7, "no such date"},
        {"date>=yesterday", 7, "a date is YYYY-MM-DD"},
        {"model:\"sdxl", 7, "unterminated quote"},
        {"a \"neon", 3, "unterminated quote"},
        {"state:broken", 7, "state is ok, damaged, other or any"},
        {"-state:ok", 1, "cannot be negated"},
        {"size:1024", 6, "size is WIDTHxHEIGHT"},
        {"model!sdxl", 6, "expected '!='"},
        {"***", 1, "nothing to search for"},
        {"chät mdoel:x", 6, "unknown field 'mdoel'"},  // columns count characters, not bytes
        {"steps>99999999999999999999", 7, "out of range"},
    };
    for (const auto backend : {catalog::Backend::sqlite, catalog::Backend::postgresql}) {
        for (const auto& c : cases) {
            try {
                (void)catalog::compile_query(c.query, backend);
                ADD_FAILURE() << "no error for: " << c.query;
            } catch (const QueryError& e) {
                EXPECT_EQ(e.column(), c.column) << c.query << ": " << e.what();
                EXPECT_MESSAGE_HAS(e.what(), c.message);
                EXPECT_MESSAGE_HAS(e.what(), "column " + std::to_string(c.column) + ":");
            }
        }
    }
}

TEST(CatalogQuery, UserTextIsBoundNeverSpliced) {
    const auto q = catalog::compile_query("model:\"x'); DROP TABLE artifact; --\" tag:a'b", catalog::Backend::sqlite);
    EXPECT_EQ(q.where.find("DROP"), std::string::npos);
    EXPECT_EQ(q.where.find("a'b"), std::string::npos);
    ASSERT_EQ(q.params.size(), 2u);
    EXPECT_EQ(std::get<std::string>(q.params[0]), "x'); drop table artifact; --");
}

TEST(CatalogQuery, UnknownSortField) {
    EXPECT_MESSAGE_HAS(testing::thrown_message<InvalidArgument>([] { (void)catalog::order_by("colour"); }),
                       "cannot sort by 'colour'");
}

}  // namespace
}  // namespace raiiaf
