// raiiaf create IMAGE -o OUT [--latent NAME=FILE]... [--latents FILE.safetensors]...
//                --model NAME --model-version V --prompt TEXT [settings...]
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <memory>
#include <set>

#include <raiiaf/tensor_io.hpp>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct CreateOptions {
    std::string image;
    std::string output;
    std::vector<std::string> latent_specs;
    std::vector<std::string> latent_files;
    std::string model;
    std::string model_version;
    std::string prompt;
    std::string negative_prompt;
    std::vector<std::string> tags;
    std::string seed;  // checked by parse_seed: CLI11 wraps -1 and saturates 2^64 into a uint64
    std::uint64_t steps = 0;
    std::string sampler;
    double cfg_scale = 0;
    std::string scheduler;
    std::string settings_file;
    std::string hardware_file;
    std::string environment_file;
    bool float16 = false;
    std::string compress;
    std::string format = "raiiaf";
    bool force = false;
    bool json = false;
    bool compat = false;

    // Which of the optional settings were given.
    CLI::Option* seed_option = nullptr;
    CLI::Option* steps_option = nullptr;
    CLI::Option* sampler_option = nullptr;
    CLI::Option* cfg_scale_option = nullptr;
    CLI::Option* scheduler_option = nullptr;
    CLI::Option* negative_prompt_option = nullptr;
    CLI::Option* compress_option = nullptr;
};

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

bool has_extension(const std::string& path, std::string_view extension) {
    return lowercase(fs::path(path).extension().string()) == extension;
}

std::string joined(const std::vector<raiiaf::NamedTensor>& tensors) {
    std::string names;
    for (const auto& t : tensors) names += (names.empty() ? "" : ", ") + t.name;
    return names;
}

}  // namespace

// NAME=FILE.npy, NAME=FILE.safetensors or NAME=FILE.safetensors:TENSOR.
raiiaf::LatentInput read_latent_spec(const std::string& spec) {
    const auto equals = spec.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size())
        usage_error("--latent", "expected NAME=FILE, got \"" + spec + "\"");
    const std::string name = spec.substr(0, equals);
    std::string file = spec.substr(equals + 1);
    std::string tensor_name;
    constexpr std::string_view kSafetensors = ".safetensors:";
    if (const auto at = lowercase(file).rfind(kSafetensors); at != std::string::npos) {
        tensor_name = file.substr(at + kSafetensors.size());
        file.resize(at + kSafetensors.size() - 1);
        if (tensor_name.empty()) usage_error("--latent", "no tensor name after \"" + file + ":\"");
    }

    raiiaf::LatentInput latent;
    latent.name = name;
    if (has_extension(file, ".npy")) {
        about_file(file, [&] { latent.tensor = raiiaf::read_npy_file(file); });
    } else if (has_extension(file, ".safetensors")) {
        about_file(file, [&] {
            if (!tensor_name.empty()) {
                latent.tensor = raiiaf::read_safetensors_tensor_file(file, tensor_name);
                return;
            }
            auto tensors = raiiaf::read_safetensors_file(file);
            if (tensors.size() != 1)
                usage_error(file, "holds " + std::to_string(tensors.size()) +
                                      " tensors; pick one with NAME=FILE.safetensors:TENSOR (" + joined(tensors) + ")");
            latent.tensor = std::move(tensors.front().tensor);
        });
    } else {
        usage_error("--latent", "\"" + file + "\" is neither a .npy nor a .safetensors file");
    }
    return latent;
}

namespace {

// Any value of torch.seed(): 0 to 2^64-1, in decimal.
std::uint64_t parse_seed(const std::string& text) {
    std::uint64_t seed = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, seed);
    if (text.empty() || error != std::errc() || stop != end)
        usage_error("--seed", "must be an integer from 0 to 18446744073709551615 (2^64-1), got \"" + text + "\"");
    return seed;
}


// --settings FILE.json, then the flags on top (a flag wins over the file's key).
std::optional<Json> generation_settings(const CreateOptions& o) {
    std::optional<Json> settings;
    if (!o.settings_file.empty()) {
        settings = read_json_file(o.settings_file);
        if (!settings->is_object()) failure(o.settings_file, "generation settings must be a JSON object");
    }
    const auto set = [&](const CLI::Option* given, const char* key, const Json& value) {
        if (given->count() == 0) return;
        if (!settings) settings = Json::object();
        (*settings)[key] = value;
    };
    if (o.seed_option->count() > 0) set(o.seed_option, "seed", parse_seed(o.seed));
    set(o.steps_option, "steps", o.steps);
    set(o.sampler_option, "sampler", o.sampler);
    set(o.cfg_scale_option, "cfg_scale", o.cfg_scale);
    set(o.scheduler_option, "scheduler", o.scheduler);
    set(o.negative_prompt_option, "negative_prompt", o.negative_prompt);
    if (!settings) return settings;

    // The schema requires these three whenever there are settings at all.
    std::string missing;
    for (const char* key : {"seed", "steps", "sampler"})
        if (!settings->contains(key)) missing += std::string(missing.empty() ? "" : ", ") + key;
    if (!missing.empty())
        usage_error("create", "generation settings need seed, steps and sampler; missing: " + missing +
                                  " (give --seed/--steps/--sampler or put them in --settings)");
    return settings;
}

int run_create(const CreateOptions& o) {
    const raiiaf::Layout layout = parse_layout(o.format);
    raiiaf::WriteOptions options{.layout = layout, .float16 = o.float16, .compat = o.compat, .durable = durable_writes()};
    if (o.compress_option->count() > 0) options.codec = parse_codec(o.compress);
    check_codec_for_layout(options.codec, layout);
    check_output(o.output, o.force);

    raiiaf::ArtifactContent content;
    content.model.model_name = o.model;
    content.model.version = o.model_version;
    content.model.prompt = o.prompt;
    content.model.tags = o.tags;
    content.model.generation_settings = generation_settings(o);
    if (!o.hardware_file.empty()) {
        content.model.hardware_info = read_json_file(o.hardware_file);
        if (!content.model.hardware_info->is_object())
            failure(o.hardware_file, "hardware info must be a JSON object");
    }

    if (!o.environment_file.empty()) {
        const auto payload = read_input_file(o.environment_file, raiiaf::Limits{}.max_manifest_size);
        about_file(o.environment_file, [&] { content.environment = raiiaf::parse_environment(payload.span()); });
    }

    for (const auto& spec : o.latent_specs) content.latents.push_back(read_latent_spec(spec));
    for (const auto& file : o.latent_files) {
        about_file(file, [&] {
            for (auto& [name, tensor] : raiiaf::read_safetensors_file(file))
                content.latents.emplace_back(std::move(name), std::move(tensor));
        });
    }
    std::set<std::string> names;
    for (const auto& latent : content.latents)
        if (!names.insert(latent.name).second) usage_error("create", "two latents are named \"" + latent.name + "\"");

    content.image = raiiaf::ImageInput{read_input_file(o.image)};

    raiiaf::WriteResult written;
    try {
        written = raiiaf::write_file(o.output, content, options);
    } catch (const raiiaf::Error& e) {
        // The writer checks the image before storing it; its complaints, marked
        // only by this prefix, are about the image file.
        constexpr std::string_view kImage = "image: ";
        if (e.reason().starts_with(kImage)) failure(o.image, e.reason().substr(kImage.size()));
        failure(o.output, message_about(o.output, e));
    }
    report_written(o.output, written, o.json, "created " + printable(o.output));
    return kOk;
}

}  // namespace

Command add_create(CLI::App& parent) {
    auto o = std::make_shared<CreateOptions>();
    CLI::App* app = parent.add_subcommand("create", "Make an artifact from an image, latents and metadata");
    app->add_option("IMAGE", o->image, "The image (PNG, JPEG or WebP), stored as given")->required();
    app->add_option("-o,--output", o->output, "The file to write")->required();
    app->add_option("--latent", o->latent_specs,
                    "A latent: NAME=FILE.npy, NAME=FILE.safetensors (one tensor) or NAME=FILE.safetensors:TENSOR")
        ->type_name("NAME=FILE")
        ->allow_extra_args(false);
    app->add_option("--latents", o->latent_files, "Every tensor of a .safetensors file, under its own name")
        ->type_name("FILE")
        ->allow_extra_args(false);
    app->add_option("--model", o->model, "Model name")->required();
    app->add_option("--model-version", o->model_version, "Model version")->required();
    app->add_option("--prompt", o->prompt, "The prompt")->required();
    o->negative_prompt_option =
        app->add_option("--negative-prompt", o->negative_prompt, "Negative prompt (generation_settings.negative_prompt)");
    app->add_option("--tag", o->tags, "A tag (repeatable)")->type_name("TAG")->allow_extra_args(false);
    o->seed_option = app->add_option("--seed", o->seed, "Seed, 0 to 2^64-1")->type_name("UINT64");
    o->steps_option = app->add_option("--steps", o->steps, "Sampling steps")->check(CLI::PositiveNumber);
    o->sampler_option = app->add_option("--sampler", o->sampler, "Sampler name");
    o->cfg_scale_option = app->add_option("--cfg-scale", o->cfg_scale, "Classifier-free guidance scale")
                              ->check(CLI::NonNegativeNumber);
    o->scheduler_option = app->add_option("--scheduler", o->scheduler, "Scheduler name");
    app->add_option("--settings", o->settings_file, "Generation settings from a JSON object (flags override its keys)")
        ->type_name("FILE.json");
    app->add_option("--hardware", o->hardware_file, "Hardware info from a JSON object (needs \"os\")")
        ->type_name("FILE.json");
    app->add_option("--environment", o->environment_file,
                    "Record this environment (an ENVC payload such as extract's env.json) instead of this machine's")
        ->type_name("FILE.json");
    app->add_flag("--float16", o->float16, "Store float latents as float16");
    o->compress_option = add_codec_option(*app, o->compress, "Latent codec (default raw)");
    add_format_option(*app, o->format, "File layout (default raiiaf)");
    app->add_flag("--compat", o->compat, "Refuse anything the existing raiiaf/gen5 package cannot read");
    app->add_flag("-f,--force", o->force, "Overwrite OUT if it exists");
    app->add_flag("--json", o->json, "Describe the written file as JSON");
    return {app, [o] { return run_create(*o); }};
}

}  // namespace raiiaf_cli
