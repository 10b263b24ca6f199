// SwarmUI: "sui_image_params" JSON in PNG "parameters" or the EXIF
// UserComment. Its files carry a ComfyUI graph too, so it is asked first.
#include "interop/generators/record.hpp"

namespace raiiaf::detail::generators {

std::optional<GenerationRecord> parse_swarmui(const std::vector<MetadataText>& texts, const Limits& limits) {
    for (const MetadataText& text : texts) {
        if (text.key != "parameters" && text.key != "UserComment") continue;
        const auto json = parse_object(text.text, limits);
        if (!json) continue;
        const Json& params = member(*json, "sui_image_params");
        if (!params.is_object()) continue;

        GenerationRecord record;
        record.generator = "swarmui";
        const auto version = as_string(member(params, "swarm_version"));
        record.software = version ? "SwarmUI " + *version : "SwarmUI";
        if (auto prompt = as_string(member(params, "prompt"))) record.prompts = {*prompt};
        if (auto negative = as_string(member(params, "negativeprompt"))) record.negative_prompts = {*negative};
        record.seed = as_seed(member(params, "seed"));
        record.steps = as_integer(member(params, "steps"));
        record.cfg_scale = as_number(member(params, "cfgscale"));
        record.sampler = as_string(member(params, "sampler"));
        record.scheduler = as_string(member(params, "scheduler"));
        record.width = as_integer(member(params, "width"));
        record.height = as_integer(member(params, "height"));
        if (auto model = as_string(member(params, "model"))) {
            record.model = ModelRef{*model, std::nullopt};
            // sui_models lists the files used, with their hashes, by parameter.
            const Json& models = member(*json, "sui_models");
            if (models.is_array())
                for (const Json& entry : models)
                    if (as_string(member(entry, "param")) == std::optional<std::string>("model"))
                        record.model->hash = as_string(member(entry, "hash"));
        }
        return record;
    }
    return std::nullopt;
}

}  // namespace raiiaf::detail::generators
