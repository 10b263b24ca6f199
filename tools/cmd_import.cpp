// raiiaf import IMAGE|FOLDER... [-o OUT | --output-dir DIR] [--latent NAME=FILE]...
//               [--dry-run] [--json] [--stealth auto|always|never] [--force] [--jobs N]
// One artifact per image that carries known generation metadata; images
// without any are reported and skipped. Files are imported on several threads;
// output stays in input order.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <raiiaf/import.hpp>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct ImportCommandOptions {
    std::vector<std::string> inputs;
    std::string output;
    std::string output_dir;
    std::vector<std::string> latent_specs;
    std::string stealth = "auto";
    bool dry_run = false;
    bool json = false;
    bool force = false;
    unsigned jobs = 0;  // 0: one per core
};

struct Job {
    fs::path image;
    fs::path output;  // empty in a dry run
};

enum class Outcome { imported, unknown, failed };

struct Result {
    Outcome outcome = Outcome::failed;
    Json line;            // the --json line
    std::string message;  // for stderr (unknown, failed)
    bool done = false;
};

bool is_image_name(const fs::path& path) {
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
    return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".webp";
}

// Every input file, folders expanded (recursively, sorted, images only), with its output.
std::vector<Job> plan_jobs(const ImportCommandOptions& o) {
    std::vector<Job> jobs;
    for (const fs::path input : o.inputs) {
        std::error_code error;
        if (fs::is_directory(input, error)) {
            std::vector<fs::path> found;
            for (fs::recursive_directory_iterator it(input, error), end; !error && it != end; it.increment(error))
                if (it->is_regular_file() && is_image_name(it->path())) found.push_back(it->path());
            if (error) failure(input, "cannot list the folder: " + error.message());
            std::sort(found.begin(), found.end());
            for (const auto& image : found) {
                fs::path output;
                if (!o.output_dir.empty()) output = fs::path(o.output_dir) / image.lexically_relative(input);
                else output = image;
                jobs.push_back({image, output.replace_extension(".raiiaf")});
            }
        } else {
            fs::path output = o.output_dir.empty() ? input : fs::path(o.output_dir) / input.filename();
            jobs.push_back({input, output.replace_extension(".raiiaf")});
        }
    }
    if (!o.output.empty()) {
        if (jobs.size() != 1) usage_error("import", "-o names one output; give --output-dir for several images");
        jobs.front().output = o.output;
    }
    std::map<fs::path, fs::path> seen;
    for (const Job& job : jobs) {
        if (o.dry_run) break;
        const auto [it, inserted] = seen.emplace(job.output.lexically_normal(), job.image);
        if (!inserted)
            usage_error("import", "\"" + it->second.string() + "\" and \"" + job.image.string() + "\" would both write \"" +
                                      job.output.string() + "\"");
    }
    return jobs;
}

raiiaf::StealthSearch parse_stealth(const std::string& name) {
    if (name == "always") return raiiaf::StealthSearch::always;
    if (name == "never") return raiiaf::StealthSearch::never;
    return raiiaf::StealthSearch::automatic;
}

// Durable imports are written into the worker's batch, made durable together
// (raiiaf::WriteBatch); with --no-fsync each file is written on its own. The
// image is mapped, not read: it is stored byte for byte, so nothing needs a
// copy of it (a dry run of a folder costs a third less CPU).
Result import_one(const Job& job, const ImportCommandOptions& o, const raiiaf::ImportOptions& options,
                  const raiiaf::WriteOptions& write_options, std::vector<raiiaf::LatentInput> latents,
                  raiiaf::WriteBatch& batch) {
    Result result;
    result.line = {{"file", job.image.string()}};
    raiiaf::Bytes bytes;
    try {
        bytes = map_input_file(job.image);
        const raiiaf::GenerationMetadata metadata = raiiaf::read_generation_metadata(bytes.span(), options);
        require_intact(job.image, bytes);  // the record was read from the file, not from zeros
        if (o.dry_run) result.line["record"] = metadata.record;
        if (!metadata.recognised()) {
            result.outcome = Outcome::unknown;
            result.message = "no generation metadata of a known generator; skipped";
            if (!o.dry_run) result.line["skipped"] = result.message;
            return result;
        }
        if (!o.dry_run) {
            check_output(job.output, o.force);
            if (const fs::path folder = job.output.parent_path(); !folder.empty()) {
                std::error_code error;
                fs::create_directories(folder, error);
                if (error) failure(folder, "cannot create the folder: " + error.message());
            }
            raiiaf::ArtifactContent content;
            content.model = raiiaf::imported_model_info(metadata);
            content.latents = std::move(latents);
            content.image = raiiaf::ImageInput{bytes};
            try {
                if (durable_writes()) batch.add(job.output, content, write_options);
                else raiiaf::write_file(job.output, content, write_options);
            } catch (const raiiaf::Error& e) {
                constexpr std::string_view kImage = "image: ";
                if (e.reason().starts_with(kImage)) throw raiiaf::ImageError(e.reason().substr(kImage.size()));
                throw CliError(kFailure, job.output.string(), message_about(job.output, e));
            }
            result.line["output"] = job.output.string();
            result.line["generator"] = metadata.record["generator"];
        }
        result.outcome = Outcome::imported;
    } catch (const CliError& e) {
        result.outcome = Outcome::failed;
        result.message = (e.subject() == job.image.string() ? "" : e.subject() + ": ") + e.what();
    } catch (const std::exception& e) {
        result.outcome = Outcome::failed;
        result.message = error_kind(std::current_exception()) + ": " + message_about(job.image, e);
    }
    if (result.outcome == Outcome::failed) {
        if (!bytes.intact()) result.message = kInputLost;  // the cause, not what the zeros made fail
        if (o.dry_run) result.line["record"] = nullptr;
        result.line["error"] = result.message;
    }
    return result;
}

std::string describe(const Json& record) {
    std::string text = record["generator"].get<std::string>();
    if (record["model"].is_object()) text += ", model " + printable(record["model"]["name"].get<std::string>());
    if (!record["seed"].is_null()) text += ", seed " + record["seed"].dump();
    if (!record["steps"].is_null()) text += ", " + record["steps"].dump() + " steps";
    if (!record["sampler"].is_null()) text += ", " + printable(record["sampler"].get<std::string>());
    return text;
}

int run_import(const ImportCommandOptions& o) {
    if (!o.output.empty() && !o.output_dir.empty()) usage_error("import", "give -o or --output-dir, not both");
    const std::vector<Job> jobs = plan_jobs(o);
    if (jobs.empty()) usage_error("import", "no PNG, JPEG or WebP images among the inputs");
    std::vector<raiiaf::LatentInput> latents;
    if (!o.latent_specs.empty()) {
        if (jobs.size() != 1) usage_error("--latent", "latents go with a single image");
        for (const auto& spec : o.latent_specs) latents.push_back(read_latent_spec(spec));
    }
    raiiaf::ImportOptions options;
    options.stealth = parse_stealth(o.stealth);

    std::vector<Result> results(jobs.size());
    std::mutex mutex;
    std::condition_variable finished;
    std::atomic<std::size_t> next{0};
    const unsigned threads = std::max(1u, std::min<unsigned>(o.jobs ? o.jobs : std::thread::hardware_concurrency(),
                                                              static_cast<unsigned>(jobs.size())));
    // Several images at once keep the cores busy: each write stays on its worker.
    const raiiaf::WriteOptions write_options{.durable = durable_writes(), .threads = threads > 1 ? 1u : 0u};
    std::vector<std::string> commit_errors;
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            raiiaf::WriteBatch batch;
            for (std::size_t i; (i = next.fetch_add(1)) < jobs.size();) {
                Result result =
                    import_one(jobs[i], o, options, write_options, i == 0 ? latents : std::vector<raiiaf::LatentInput>{},
                               batch);
                const std::lock_guard lock(mutex);
                results[i] = std::move(result);
                results[i].done = true;
                finished.notify_one();
            }
            try {
                batch.commit();
            } catch (const std::exception& e) {
                const std::lock_guard lock(mutex);
                commit_errors.push_back(e.what());
            }
        });
    }

    Progress progress(jobs.size());
    std::size_t imported = 0, unknown = 0, failed = 0;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        Result result;
        {
            std::unique_lock lock(mutex);
            finished.wait(lock, [&] { return results[i].done; });
            result = std::move(results[i]);
        }
        progress.clear();
        if (o.json) {
            std::cout << result.line.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
        } else if (result.outcome == Outcome::imported) {
            const std::string what = o.dry_run ? describe(result.line["record"]) : "imported as " + printable(jobs[i].output.string());
            std::cout << printable(jobs[i].image.string()) << ": " << what << '\n';
        }
        if (result.outcome != Outcome::imported) print_error(jobs[i].image.string(), result.message);
        (result.outcome == Outcome::imported ? imported : result.outcome == Outcome::unknown ? unknown : failed) += 1;
        progress.show(i + 1, jobs[i].image.string());
    }
    progress.clear();
    workers.clear();  // joins: every batch is committed
    for (const std::string& error : commit_errors) {
        print_error("", "making the imported artifacts durable failed (some may be missing): " + error);
        ++failed;
    }
    if (jobs.size() > 1) {
        std::ostream& out = o.json ? std::cerr : std::cout;
        out << (o.dry_run ? "recognised " : "imported ") << imported << " of " << jobs.size() << " images; "
            << unknown << " without known metadata skipped; " << failed << " failed\n";
    }
    return failed > 0 ? kFailure : kOk;
}

}  // namespace

Command add_import(CLI::App& parent) {
    auto o = std::make_shared<ImportCommandOptions>();
    CLI::App* app = parent.add_subcommand("import", "Make artifacts from images that carry generation metadata");
    app->footer("Generators: AUTOMATIC1111 and forks, ComfyUI, InvokeAI, NovelAI, Fooocus, RuinedFooocus, SwarmUI.");
    app->add_option("IMAGE", o->inputs, "Images (PNG, JPEG, WebP) or folders of them (searched recursively)")
        ->required();
    app->add_option("-o,--output", o->output, "The artifact to write (one image only; default: IMAGE with .raiiaf)");
    app->add_option("--output-dir", o->output_dir, "Write the artifacts here (a folder's layout is kept)");
    app->add_option("--latent", o->latent_specs,
                    "A latent for the artifact (one image only): NAME=FILE.npy, NAME=FILE.safetensors[:TENSOR]")
        ->type_name("NAME=FILE")
        ->allow_extra_args(false);
    app->add_flag("--dry-run", o->dry_run, "Read the metadata, write nothing");
    app->add_flag("--json", o->json, "One JSON line per image: {\"file\", \"record\"} in a dry run");
    app->add_option("--stealth", o->stealth, "Look for stealth metadata in the pixels: auto, always or never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app->add_flag("-f,--force", o->force, "Overwrite existing artifacts");
    app->add_option("-j,--jobs", o->jobs, "Images imported at once (default: one per core)");
    return {app, [o] { return run_import(*o); }};
}

}  // namespace raiiaf_cli
