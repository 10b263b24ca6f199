// The catalogue benchmark (bench/catalog.sh runs it): makes N small artifacts,
// then measures a cold index (empty catalogue), an unchanged re-index, a
// filtered and a full-text query (p50/p99 over repeated runs, --limit 100 as
// an interactive page), and the catalogue's bytes per artifact. One JSON
// object on stdout.
//
//   raiiaf_bench_catalog N WORK_DIR [CATALOG]   (CATALOG: a SQLite path or postgresql:// URL;
//                                                default WORK_DIR/catalog.sqlite)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <raiiaf/raiiaf.hpp>

#include "rgb_png.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kModels[] = {"SDXL", "Stable Diffusion 3", "SD 1.5", "Flux.1-dev", "Playground v2.5"};
constexpr const char* kSamplers[] = {"euler", "euler_a", "dpmpp_2m", "ddim", "unipc"};
constexpr const char* kWords[] = {"fennec", "cat", "neon", "city", "desert", "portrait", "forest", "river",
                                  "castle", "robot", "sunset", "ocean", "mountain", "cyberpunk", "watercolor",
                                  "oil", "painting", "cinematic", "lighting", "golden", "hour", "misty", "snow"};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void make_tree(const fs::path& root, std::size_t n) {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::uint8_t> rgb(8 * 8 * 3, 128);
    const raiiaf::Bytes image(raiiaf::tools::encode_rgb_png(rgb, 8, 8));
    const raiiaf::Environment env{1, {{"os", "name=os;version=Linux 6.1"}, {"gpu", "name=gpu;model=NVIDIA A100-SXM4-80GB"}}};
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            std::mt19937_64 rng(t + 1);
            for (std::size_t i = t; i < n; i += threads) {
                raiiaf::ArtifactContent content;
                content.model.model_name = kModels[rng() % 5];
                content.model.version = "1.0";
                content.model.date = "2026-11-" + std::to_string(10 + rng() % 20) + "T12:00:00.000000+00:00";
                std::string prompt;
                for (int w = 0; w < 8; ++w) prompt += std::string(w ? " " : "") + kWords[rng() % std::size(kWords)];
                content.model.prompt = prompt;
                content.model.tags = {kWords[rng() % std::size(kWords)]};
                content.model.generation_settings = raiiaf::Json{
                    {"seed", rng()}, {"steps", 10 + rng() % 41}, {"sampler", kSamplers[rng() % 5]}, {"cfg", 7.0}};
                std::vector<std::byte> noise(1 * 4 * 8 * 8 * 4);
                for (auto& b : noise) b = std::byte(rng() & 0x3F);
                content.latents.push_back({"initial_noise",
                                           raiiaf::Tensor(raiiaf::DType::float32, {1, 4, 8, 8}, raiiaf::Bytes(std::move(noise))),
                                           {}});
                content.image = raiiaf::ImageInput{image, raiiaf::Json::object()};
                content.environment = env;
                const auto bytes = raiiaf::encode(content);
                const fs::path path = root / std::to_string(i % 100) / (std::to_string(i) + ".raiiaf");
                std::ofstream out(path, std::ios::binary);
                out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
            }
        });
}

struct Percentiles {
    double p50 = 0, p99 = 0;
};

Percentiles time_query(const raiiaf::Catalog& catalog, const std::string& query, int runs, std::size_t& results) {
    std::vector<double> times;
    raiiaf::FindOptions options;
    options.limit = 100;
    for (int r = 0; r < runs; ++r) {
        const auto start = Clock::now();
        results = catalog.find(query, options).size();
        times.push_back(seconds_since(start));
    }
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], times[std::min(times.size() - 1, times.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: raiiaf_bench_catalog N WORK_DIR [CATALOG]\n";
        return 2;
    }
    const std::size_t n = std::stoul(argv[1]);
    const fs::path work = argv[2];
    const fs::path tree = work / "tree";
    const std::string location = argc > 3 ? argv[3] : (work / "catalog.sqlite").string();
    for (int d = 0; d < 100; ++d) fs::create_directories(tree / std::to_string(d));
    auto start = Clock::now();
    make_tree(tree, n);
    const double make_seconds = seconds_since(start);

    raiiaf::Catalog catalog = raiiaf::Catalog::open(location);
    start = Clock::now();
    const auto cold = catalog.index({tree});
    const double cold_seconds = seconds_since(start);
    start = Clock::now();
    const auto warm = catalog.index({tree});
    const double warm_seconds = seconds_since(start);
    if (cold.added != n || warm.unchanged != n) {
        std::cerr << "unexpected summary: added " << cold.added << ", unchanged " << warm.unchanged << "\n";
        return 1;
    }
    std::size_t filtered_results = 0, text_results = 0;
    const std::string filtered = "model:sdxl steps>=30 sampler:euler*";
    const std::string text = "fennec desert";
    const Percentiles f = time_query(catalog, filtered, 200, filtered_results);
    const Percentiles t = time_query(catalog, text, 200, text_results);

    std::uintmax_t bytes = 0;
    if (!location.starts_with("postgres")) {
        raiiaf::Catalog reopened = raiiaf::Catalog::open(location);  // (the WAL is checkpointed on close)
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::error_code ec;
            const auto size = fs::file_size(location + suffix, ec);
            if (!ec) bytes += size;
        }
    }
    const raiiaf::Json out = {{"n", n},
                              {"make_seconds", make_seconds},
                              {"cold_index_files_per_s", n / cold_seconds},
                              {"reindex_files_per_s", n / warm_seconds},
                              {"filtered_query", filtered},
                              {"filtered_results", filtered_results},
                              {"filtered_p50_ms", f.p50 * 1e3},
                              {"filtered_p99_ms", f.p99 * 1e3},
                              {"text_query", text},
                              {"text_results", text_results},
                              {"text_p50_ms", t.p50 * 1e3},
                              {"text_p99_ms", t.p99 * 1e3},
                              {"bytes_per_artifact", bytes ? raiiaf::Json(static_cast<double>(bytes) / n) : raiiaf::Json()}};
    std::cout << out.dump() << "\n";
    return 0;
}
