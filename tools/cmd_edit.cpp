// raiiaf edit FILE [--prompt TEXT] [--add-tag T]... [--remove-tag T]...
//                  [--set KEY=VALUE]... [--unset KEY]...
// Changes model info and keeps every chunk exactly as stored; the file is
// replaced atomically.
#include <algorithm>
#include <iostream>
#include <memory>

#include "cli_util.hpp"

namespace raiiaf_cli {
namespace {

struct EditOptions {
    std::string file;
    std::string prompt;
    CLI::Option* prompt_option = nullptr;
    std::vector<std::string> add_tags;
    std::vector<std::string> remove_tags;
    std::vector<std::string> sets;
    std::vector<std::string> unsets;
    bool json = false;
};

// Where a --set/--unset KEY lands. "seed" and "generation_settings.seed" name
// a generation setting, "hardware_info.os" a hardware key, "model_info.version"
// a field of model info itself (other names there go to its extra keys). The
// fields every model info has (prompt, model_name, ...) need no prefix.
struct Target {
    enum class Object { settings, hardware, model } object;
    std::string key;
};

bool is_string_field(const std::string& key) {
    return key == "model_name" || key == "version" || key == "date" || key == "prompt";
}

bool is_model_field(const std::string& key) { return is_string_field(key) || key == "tags"; }

Target resolve(const std::string& key, const char* option) {
    Target target{Target::Object::settings, key};
    if (const auto dot = key.find('.'); dot != std::string::npos) {
        const std::string_view prefix = std::string_view(key).substr(0, dot);
        if (prefix == "generation_settings") target = {Target::Object::settings, key.substr(dot + 1)};
        else if (prefix == "hardware_info") target = {Target::Object::hardware, key.substr(dot + 1)};
        else if (prefix == "model_info") target = {Target::Object::model, key.substr(dot + 1)};
    }
    if (target.key.empty()) usage_error(option, "empty key in \"" + key + "\"");
    if (target.object == Target::Object::settings && target.key == key && is_model_field(key))
        target.object = Target::Object::model;
    return target;
}

// VALUE as JSON when it parses (42, true, [1,2], "text"), else the text
// itself. JSON beyond the reader's bounds is refused before a tree is built.
Json parse_value(const std::string& text) {
    if (!raiiaf::is_json_syntax(text)) return Json(text);
    try {
        return raiiaf::parse_json(text);
    } catch (const raiiaf::InvalidArgument& e) {
        throw CliError(kFailure, "--set", "value refused: " + e.reason());
    }
}


void set_in(std::optional<Json>& object, const std::string& key, const Json& value) {
    if (!object) object = Json::object();
    (*object)[key] = value;
}

void unset_in(std::optional<Json>& object, const std::string& key) {
    if (!object) return;
    object->erase(key);
    if (object->empty()) object.reset();
}

void set_model_field(raiiaf::ModelInfo& model, const std::string& key, const std::string& text) {
    if (is_string_field(key)) {
        (key == "model_name" ? model.model_name
         : key == "version"  ? model.version
         : key == "date"     ? model.date
                             : model.prompt) = text;  // taken verbatim: "3.0" stays a string
        return;
    }
    const Json value = parse_value(text);
    if (key == "tags") {
        if (!value.is_array() || !std::all_of(value.begin(), value.end(), [](const Json& t) { return t.is_string(); }))
            usage_error("--set", "model_info.tags must be a JSON array of strings");
        model.tags = value.get<std::vector<std::string>>();
    } else if (key == "generation_settings" || key == "hardware_info") {
        if (!value.is_object()) usage_error("--set", "model_info." + key + " must be a JSON object");
        (key == "generation_settings" ? model.generation_settings : model.hardware_info) = value;
    } else {
        model.extra[key] = value;
    }
}

void unset_model_field(raiiaf::ModelInfo& model, const std::string& key) {
    if (is_string_field(key) || key == "tags") usage_error("--unset", "model_info." + key + " is required");
    if (key == "generation_settings") model.generation_settings.reset();
    else if (key == "hardware_info") model.hardware_info.reset();
    else model.extra.erase(key);
}

bool same_model_info(const raiiaf::ModelInfo& a, const raiiaf::ModelInfo& b) {
    return a.model_name == b.model_name && a.version == b.version && a.date == b.date && a.prompt == b.prompt &&
           a.tags == b.tags && a.generation_settings == b.generation_settings && a.hardware_info == b.hardware_info &&
           a.extra == b.extra;
}

// Applies the options; returns what changed, for the report.
std::vector<std::string> apply(const EditOptions& o, raiiaf::ModelInfo& model) {
    std::vector<std::string> changed;
    if (o.prompt_option->count() > 0) {
        model.prompt = o.prompt;
        changed.emplace_back("prompt");
    }
    for (const auto& tag : o.remove_tags) {
        std::erase(model.tags, tag);
        changed.push_back("-tag " + tag);
    }
    for (const auto& tag : o.add_tags) {
        if (std::find(model.tags.begin(), model.tags.end(), tag) == model.tags.end()) model.tags.push_back(tag);
        changed.push_back("+tag " + tag);
    }
    for (const auto& assignment : o.sets) {
        const auto equals = assignment.find('=');
        if (equals == std::string::npos) usage_error("--set", "expected KEY=VALUE, got \"" + assignment + "\"");
        const Target target = resolve(assignment.substr(0, equals), "--set");
        const std::string text = assignment.substr(equals + 1);
        switch (target.object) {
            case Target::Object::settings: set_in(model.generation_settings, target.key, parse_value(text)); break;
            case Target::Object::hardware: set_in(model.hardware_info, target.key, parse_value(text)); break;
            case Target::Object::model: set_model_field(model, target.key, text); break;
        }
        changed.push_back(assignment.substr(0, equals));
    }
    for (const auto& key : o.unsets) {
        const Target target = resolve(key, "--unset");
        switch (target.object) {
            case Target::Object::settings: unset_in(model.generation_settings, target.key); break;
            case Target::Object::hardware: unset_in(model.hardware_info, target.key); break;
            case Target::Object::model: unset_model_field(model, target.key); break;
        }
        changed.push_back("-" + key);
    }
    return changed;
}

int run_edit(const EditOptions& o) {
    if (o.prompt_option->count() == 0 && o.add_tags.empty() && o.remove_tags.empty() && o.sets.empty() &&
        o.unsets.empty())
        usage_error("edit", "nothing to change (give --prompt, --add-tag, --remove-tag, --set or --unset)");
    // Held from the read to the replacement: concurrent edits of one file run
    // one after the other, and none loses another's change.
    std::optional<raiiaf::UpdateLock> lock;
    about_file(o.file, [&] { lock.emplace(o.file); });

    // One parse of the manifest; every chunk is copied as stored, checked
    // against the digests of its stored bytes, not decoded (stored_content).
    std::optional<raiiaf::Reader> reader;
    raiiaf::ArtifactContent content;
    about_file(o.file, [&] {
        reader.emplace(raiiaf::Reader::open(o.file));
        // An exported image carrying the artifact (FORMAT.md section 11) must not be replaced by the bare artifact.
        if (reader->file_size() != fs::file_size(o.file))
            failure(o.file, "is an image carrying an artifact: convert it to a .raiiaf file, edit that, and export it again");
        content = raiiaf::stored_content(*reader);
    });
    const raiiaf::ModelInfo before = content.model;
    const std::vector<std::string> changed = apply(o, content.model);
    if (same_model_info(before, content.model)) {  // nothing to write: the file stays as it is
        report_written(o.file, summary_of(*reader), o.json, "unchanged " + printable(o.file), {{"changed", Json::array()}});
        return kOk;
    }
    raiiaf::WriteResult written;
    try {
        written = raiiaf::write_file(o.file, content, {.layout = reader->layout(), .durable = durable_writes()});
    } catch (const raiiaf::Error& e) {
        failure(o.file, message_about(o.file, e));
    }
    std::string list;
    for (const auto& change : changed) list += (list.empty() ? "" : ", ") + change;
    report_written(o.file, written, o.json, "updated " + printable(o.file) + ": " + printable(list), {{"changed", changed}});
    return kOk;
}

}  // namespace

Command add_edit(CLI::App& parent) {
    auto o = std::make_shared<EditOptions>();
    CLI::App* app = parent.add_subcommand("edit", "Change an artifact's metadata in place (payloads untouched, atomic)");
    app->add_option("FILE", o->file, "The artifact")->required();
    o->prompt_option = app->add_option("--prompt", o->prompt, "New prompt");
    app->add_option("--add-tag", o->add_tags, "Add a tag (repeatable)")->type_name("TAG")->allow_extra_args(false);
    app->add_option("--remove-tag", o->remove_tags, "Remove a tag (repeatable)")->type_name("TAG")->allow_extra_args(false);
    app->add_option("--set", o->sets,
                    "Set a generation setting (KEY=VALUE, VALUE as JSON if it parses); "
                    "hardware_info.KEY and model_info.KEY reach those (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    app->add_option("--unset", o->unsets, "Remove a key named as in --set (repeatable)")
        ->type_name("KEY")
        ->allow_extra_args(false);
    app->add_flag("--json", o->json, "Describe the edited file as JSON");
    return {app, [o] { return run_edit(*o); }};
}

}  // namespace raiiaf_cli
