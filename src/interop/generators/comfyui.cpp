// ComfyUI: the API graph ("prompt": node id -> {class_type, inputs}) in PNG
// text or in EXIF tags as "prompt:{...}". Every sampler node is read with
// what feeds it, following links: seeds and numbers through primitive nodes,
// prompts back through conditioning nodes to their text encoders, the model
// back to its loader, the latent back to its empty latent, image or upstream
// sampler. Every walk keeps a visited set and a depth bound, so cyclic or
// very deep graphs end.
#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "interop/generators/record.hpp"

namespace raiiaf::detail::generators {

namespace {

constexpr int kMaxDepth = 200;
constexpr std::size_t kMaxSamplers = 64;

bool is_link(const Json& value) {
    return value.is_array() && value.size() == 2 && (value[0].is_string() || value[0].is_number_integer()) &&
           value[1].is_number_integer();
}
std::string link_target(const Json& link) {
    return link[0].is_string() ? link[0].get<std::string>() : std::to_string(link[0].get<std::int64_t>());
}
std::int64_t link_output(const Json& link) { return link[1].get<std::int64_t>(); }

// KSamplerSelect only picks the sampler function for the custom samplers.
bool is_sampler_class(const std::string& class_type) {
    return class_type == "SamplerCustom" || class_type == "SamplerCustomAdvanced" ||
           (class_type.find("KSampler") != std::string::npos && class_type.find("Select") == std::string::npos);
}

class Graph {
public:
    // An index by id: lookups in an ordered JSON object are linear scans.
    explicit Graph(const Json& nodes) {
        for (const auto& [id, node] : nodes.items())
            if (node.is_object()) index_.emplace(id, &node);
    }

    [[nodiscard]] const Json* node(const std::string& id) const {
        const auto it = index_.find(id);
        return it == index_.end() ? nullptr : it->second;
    }
    [[nodiscard]] const Json* target(const Json& value) const { return is_link(value) ? node(link_target(value)) : nullptr; }
    static const Json& inputs(const Json& node) { return member(node, "inputs"); }
    static std::string class_of(const Json& node) { return as_string(member(node, "class_type")).value_or(""); }

    // A literal input, or the value a primitive-like node behind a link holds.
    [[nodiscard]] const Json& resolve(const Json& value, std::initializer_list<const char*> keys, int depth = 0) const {
        static const Json null_value;
        if (!is_link(value)) return value;
        const Json* source = target(value);
        if (!source || depth > kMaxDepth) return null_value;
        const Json& in = inputs(*source);
        for (const char* key : keys)
            if (const Json& v = member(in, key); !v.is_null()) return resolve(v, keys, depth + 1);
        return null_value;
    }
    [[nodiscard]] const Json& number_input(const Json& in, const char* key) const {
        return resolve(member(in, key), {key, "value", "seed", "noise_seed", "int", "float", "number", "Number"});
    }

    // The checkpoint (or UNet) name behind a model link.
    [[nodiscard]] std::optional<std::string> model_name(const Json& link) const {
        std::set<std::string> visited;
        const Json* at = &link;
        for (int depth = 0; depth < kMaxDepth && is_link(*at); ++depth) {
            const std::string id = link_target(*at);
            const Json* source = node(id);
            if (!source || !visited.insert(id).second) return std::nullopt;
            const Json& in = inputs(*source);
            for (const char* key : {"ckpt_name", "unet_name", "model_name", "gguf_name", "base_ckpt_name"})
                if (auto name = as_string(resolve(member(in, key), {"value", "string", key}))) return name;
            at = &member(in, "model");
        }
        return std::nullopt;
    }

    // The prompt texts behind a conditioning link, in walk order, no repeats.
    void collect_texts(const Json& link, std::vector<std::string>& out) const {
        std::set<std::pair<std::string, std::int64_t>> visited;
        collect_texts(link, out, visited, 0);
    }

    // Where a sampler's latent comes from.
    [[nodiscard]] Json describe_latent(const Json& link) const {
        std::set<std::string> visited;
        return describe_latent(link, visited, 0);
    }

private:
    void collect_texts(const Json& link, std::vector<std::string>& out,
                       std::set<std::pair<std::string, std::int64_t>>& visited, int depth) const {
        if (!is_link(link) || depth > kMaxDepth) return;
        const std::string id = link_target(link);
        const Json* source = node(id);
        if (!source || !visited.insert({id, link_output(link)}).second) return;
        const Json& in = inputs(*source);
        for (const char* key : {"text", "text_g", "text_l", "prompt"}) {
            const Json& value = member(in, key);
            if (value.is_null()) continue;
            if (auto text = as_string(resolve(value, {"value", "string", "text", "Text", "prompt"}))) {
                if (std::find(out.begin(), out.end(), *text) == out.end()) out.push_back(*text);
                return;
            }
        }
        // Nodes that pass both conditionings on (ControlNetApplyAdvanced, ...):
        // output 0 carries the positive, output 1 the negative.
        if (!member(in, "positive").is_null() && !member(in, "negative").is_null()) {
            collect_texts(member(in, link_output(link) == 1 ? "negative" : "positive"), out, visited, depth + 1);
            return;
        }
        for (const auto& [key, value] : in.items()) {
            std::string name = key;
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            if (is_link(value) && (name.find("conditioning") != std::string::npos || name.find("cond") == 0 ||
                                   name == "positive" || name == "negative"))
                collect_texts(value, out, visited, depth + 1);
        }
    }

    // The sampler upstream of a latent link, through latent pass-through nodes.
    [[nodiscard]] std::optional<std::string> upstream_sampler(const Json& link, std::set<std::string>& visited,
                                                              int depth) const {
        if (!is_link(link) || depth > kMaxDepth) return std::nullopt;
        const std::string id = link_target(link);
        const Json* source = node(id);
        if (!source || !visited.insert(id).second) return std::nullopt;
        if (is_sampler_class(class_of(*source))) return id;
        const Json& in = inputs(*source);
        for (const char* key : {"samples", "latent", "latent_image", "latents", "samples1", "samples_to"})
            if (auto found = upstream_sampler(member(in, key), visited, depth + 1)) return found;
        return std::nullopt;
    }

    [[nodiscard]] Json describe_latent(const Json& link, std::set<std::string>& visited, int depth) const {
        if (!is_link(link) || depth > kMaxDepth) return nullptr;
        const std::string id = link_target(link);
        const Json* source = node(id);
        if (!source || !visited.insert(id).second) return nullptr;
        const std::string class_type = class_of(*source);
        if (is_sampler_class(class_type)) return {{"class_type", class_type}, {"from_sampler", id}};
        const Json& in = inputs(*source);
        if (!member(in, "pixels").is_null() || !member(in, "image").is_null())
            return {{"img2img", true}, {"node", id}, {"class_type", class_type}};
        const auto width = as_integer(number_input(in, "width"));
        const auto height = as_integer(number_input(in, "height"));
        std::set<std::string> upstream_visited;
        std::optional<std::string> upstream;
        for (const char* key : {"samples", "latent", "latents"})
            if (!upstream) upstream = upstream_sampler(member(in, key), upstream_visited, depth + 1);
        if (width && height) {
            if (upstream) return {{"class_type", class_type}, {"width", *width}, {"height", *height}, {"upscale_of_sampler", *upstream}};
            return {{"class_type", class_type}, {"node", id}, {"width", *width}, {"height", *height}};
        }
        if (upstream) {
            Json out = {{"class_type", class_type}, {"upscale_of_sampler", *upstream}};
            if (auto scale = as_number(number_input(in, "scale_by"))) out["scale_by"] = *scale;
            return out;
        }
        for (const char* key : {"samples", "latent", "latent_image", "latents"})
            if (is_link(member(in, key))) return describe_latent(member(in, key), visited, depth + 1);
        return {{"class_type", class_type}, {"node", id}};
    }

    std::unordered_map<std::string, const Json*> index_;
};

SamplerNode read_sampler(const Graph& graph, const std::string& id, const Json& node) {
    SamplerNode out;
    out.id = id;
    out.class_type = Graph::class_of(node);
    const Json& in = Graph::inputs(node);
    const Json* noise = graph.target(member(in, "noise"));
    const Json* guider = graph.target(member(in, "guider"));
    const Json* sampler = graph.target(member(in, "sampler"));
    const Json* sigmas = graph.target(member(in, "sigmas"));
    static const Json empty = Json::object();
    const Json& noise_in = noise ? Graph::inputs(*noise) : empty;
    const Json& guider_in = guider ? Graph::inputs(*guider) : empty;
    const Json& sampler_in = sampler ? Graph::inputs(*sampler) : empty;
    const Json& sigmas_in = sigmas ? Graph::inputs(*sigmas) : empty;

    const auto first = [&](std::initializer_list<std::pair<const Json*, const char*>> places) -> const Json& {
        static const Json null_value;
        for (const auto& [inputs, key] : places)
            if (const Json& v = graph.number_input(*inputs, key); !v.is_null()) return v;
        return null_value;
    };
    out.seed = as_seed(first({{&in, "seed"}, {&in, "noise_seed"}, {&noise_in, "noise_seed"}, {&noise_in, "seed"}}));
    out.steps = as_integer(first({{&in, "steps"}, {&sigmas_in, "steps"}}));
    out.cfg_scale = as_number(first({{&in, "cfg"}, {&guider_in, "cfg"}}));
    const auto text_input = [&](const Json& inputs, const char* key) {
        return as_string(graph.resolve(member(inputs, key), {"value", "string", key}));
    };
    out.sampler = text_input(in, "sampler_name");
    if (!out.sampler) out.sampler = text_input(sampler_in, "sampler_name");
    out.scheduler = text_input(in, "scheduler");
    if (!out.scheduler) out.scheduler = text_input(sigmas_in, "scheduler");
    out.denoise = as_number(first({{&in, "denoise"}, {&sigmas_in, "denoise"}}));
    for (const Json* model_link : {&member(in, "model"), &member(guider_in, "model"), &member(sigmas_in, "model")})
        if (!out.model) out.model = graph.model_name(*model_link);
    graph.collect_texts(member(in, "positive"), out.positive);
    if (out.positive.empty()) graph.collect_texts(member(guider_in, "positive"), out.positive);
    if (out.positive.empty()) graph.collect_texts(member(guider_in, "conditioning"), out.positive);
    graph.collect_texts(member(in, "negative"), out.negative);
    if (out.negative.empty()) graph.collect_texts(member(guider_in, "negative"), out.negative);
    const Json& latent = member(in, "latent_image");
    out.latent = graph.describe_latent(latent.is_null() ? member(in, "latent") : latent);
    return out;
}

bool is_api_graph(const Json& value) {
    if (!value.is_object() || value.empty()) return false;
    return std::any_of(value.begin(), value.end(),
                       [](const Json& node) { return node.is_object() && member(node, "class_type").is_string(); });
}

// "prompt:{...}" (any case) in an EXIF text, as the official save nodes and
// common custom ones write it; the bare JSON graph too.
std::optional<Json> graph_in_exif(const MetadataText& text, const Limits& limits) {
    std::string_view body = text.text;
    const auto colon = body.find(':');
    if (colon != std::string_view::npos && colon < 16) {
        std::string name(body.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        if (name != "prompt") return std::nullopt;
        body.remove_prefix(colon + 1);
    }
    auto graph = parse_object(body, limits);
    if (graph && is_api_graph(*graph)) return graph;
    return std::nullopt;
}

bool mentions_workflow(const std::vector<MetadataText>& texts) {
    return std::any_of(texts.begin(), texts.end(), [](const MetadataText& t) {
        if (t.key == "workflow") return true;
        std::string head = t.text.substr(0, 9);
        std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
        return t.source.starts_with("exif:") && head == "workflow:";
    });
}

}  // namespace

std::optional<GenerationRecord> parse_comfyui(const std::vector<MetadataText>& texts, const Limits& limits) {
    std::optional<Json> graph_json;
    for (const MetadataText& text : texts) {
        if (text.source.starts_with("png:") && text.key == "prompt") {
            auto graph = parse_object(text.text, limits);
            if (graph && is_api_graph(*graph)) graph_json = std::move(graph);
        } else if (text.source.starts_with("exif:")) {
            graph_json = graph_in_exif(text, limits);
        }
        if (graph_json) break;
    }
    if (!graph_json && !mentions_workflow(texts)) return std::nullopt;

    GenerationRecord record;
    record.generator = "comfyui";
    record.software = "comfyui";
    record.is_graph = true;
    if (!graph_json) return record;  // a UI workflow only: kept verbatim, not interpreted

    const Graph graph(*graph_json);
    // Each sampler costs a walk of the graph: a bound keeps hostile graphs
    // (thousands of samplers over thousands of nodes) from taking seconds.
    for (const auto& [id, node] : graph_json->items()) {
        if (record.samplers.size() == kMaxSamplers) break;
        if (node.is_object() && is_sampler_class(Graph::class_of(node))) record.samplers.push_back(read_sampler(graph, id, node));
    }
    if (record.samplers.empty()) return record;

    // The first pass: a sampler whose latent does not come from another sampler.
    const auto is_first_pass = [](const SamplerNode& s) {
        return !s.latent.is_object() || (!s.latent.contains("upscale_of_sampler") && !s.latent.contains("from_sampler"));
    };
    auto primary = std::find_if(record.samplers.begin(), record.samplers.end(), is_first_pass);
    if (primary == record.samplers.end()) primary = record.samplers.begin();
    const SamplerNode& first = *primary;
    record.primary_sampler_id = first.id;
    record.prompts = first.positive;
    record.negative_prompts = first.negative;
    record.seed = first.seed;
    record.steps = first.steps;
    record.cfg_scale = first.cfg_scale;
    record.sampler = first.sampler;
    record.scheduler = first.scheduler;
    if (first.model) record.model = ModelRef{*first.model, std::nullopt};
    if (first.latent.is_object() && first.latent.contains("width") && first.latent.contains("height")) {
        record.width = first.latent["width"].get<std::int64_t>();
        record.height = first.latent["height"].get<std::int64_t>();
    }
    return record;
}

}  // namespace raiiaf::detail::generators
