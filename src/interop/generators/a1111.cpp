// AUTOMATIC1111 and its forks (Forge, reForge, Forge Classic/Neo, SD.Next):
// the infotext in PNG "parameters" or the EXIF UserComment.
#include "format/json_text.hpp"
#include "interop/generators/record.hpp"

namespace raiiaf::detail::generators {

namespace {

// Python's \w for UTF-8 text: ASCII letters, digits, underscore, and any
// non-ASCII byte (the letters of other scripts).
bool is_word(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalnum(u) || c == '_';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// One match of A1111's re_param at `pos`:
//   \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
struct ParamMatch {
    std::size_t end;
    std::string key;
    std::string value;
};
std::optional<ParamMatch> match_param(std::string_view line, std::size_t pos) {
    std::size_t i = pos;
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size() || !is_word(line[i])) return std::nullopt;
    const std::size_t key_start = i++;
    while (i < line.size() && (is_word(line[i]) || line[i] == ' ' || line[i] == '-' || line[i] == '/')) ++i;
    if (i - key_start < 2 || i >= line.size() || line[i] != ':') return std::nullopt;
    std::string key(line.substr(key_start, i - key_start));
    ++i;
    while (i < line.size() && is_space(line[i])) ++i;
    const auto at_end = [&](std::size_t j) {
        return j == line.size() || (j + 1 == line.size() && line[j] == '\n');
    };
    if (i < line.size() && line[i] == '"') {
        std::size_t j = i + 1;
        bool closed = false;
        while (j < line.size()) {
            if (line[j] == '\\' && j + 1 < line.size()) j += 2;
            else if (line[j] == '"') { closed = true; break; }
            else ++j;
        }
        if (closed && j > i + 1 && (at_end(j + 1) || line[j + 1] == ','))
            return ParamMatch{at_end(j + 1) ? line.size() : j + 2, std::move(key), std::string(line.substr(i, j + 1 - i))};
    }
    std::size_t j = i;
    while (j < line.size() && line[j] != ',') ++j;
    return ParamMatch{j < line.size() ? j + 1 : j, std::move(key), std::string(line.substr(i, j - i))};
}

std::vector<std::pair<std::string, std::string>> find_params(std::string_view line) {
    std::vector<std::pair<std::string, std::string>> found;
    std::size_t pos = 0;
    while (pos < line.size()) {
        if (auto match = match_param(line, pos)) {
            found.emplace_back(std::move(match->key), std::move(match->value));
            pos = match->end > pos ? match->end : pos + 1;
        } else {
            ++pos;
        }
    }
    return found;
}

std::string strip(std::string_view text) {
    const auto start = text.find_first_not_of(" \t\r\n\f\v");
    if (start == std::string_view::npos) return {};
    const auto end = text.find_last_not_of(" \t\r\n\f\v");
    return std::string(text.substr(start, end - start + 1));
}

// A quoted value is a JSON string (A1111 writes them with json.dumps).
std::string unquote(const std::string& value) {
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        try {
            const Json parsed = Json::parse(value);
            if (parsed.is_string()) return parsed.get<std::string>();
        } catch (const std::exception&) {
        }
    }
    return value;
}

std::optional<std::pair<std::int64_t, std::int64_t>> parse_size(std::string_view value) {
    const auto x = value.find('x');
    if (x == std::string_view::npos) return std::nullopt;
    const auto width = parse_unsigned(value.substr(0, x));
    const auto height = parse_unsigned(value.substr(x + 1));
    if (!width || !height || *width > INT32_MAX || *height > INT32_MAX) return std::nullopt;
    return std::pair<std::int64_t, std::int64_t>(static_cast<std::int64_t>(*width), static_cast<std::int64_t>(*height));
}

// Forge and its forks name themselves in "Version".
std::string software_of(const std::string* version) {
    if (!version) return "automatic1111";
    const std::string& v = *version;
    if (v == "classic") return "forge-classic";
    if (v == "neo") return "forge-neo";
    if (v.size() > 1 && v[0] == 'f' && std::isdigit(static_cast<unsigned char>(v[1]))) return "forge " + v;
    return "automatic1111 " + v;
}

}  // namespace

const std::string* Infotext::find(std::string_view key) const {
    for (const auto& [k, v] : parameters)
        if (k == key) return &v;
    return nullptr;
}

Infotext parse_infotext(std::string_view text) {
    const std::string stripped = strip(text);
    std::vector<std::string_view> lines;
    for (std::size_t start = 0;;) {
        const auto newline = stripped.find('\n', start);
        lines.emplace_back(std::string_view(stripped).substr(start, newline == std::string::npos ? std::string::npos
                                                                                                  : newline - start));
        if (newline == std::string::npos) break;
        start = newline + 1;
    }
    Infotext out;
    std::string_view last_line = lines.back();
    lines.pop_back();
    auto params = find_params(last_line);
    if (params.size() < 3) {
        lines.push_back(last_line);
        params.clear();
    }
    bool done_with_prompt = false;
    for (const std::string_view raw : lines) {
        std::string line = strip(raw);
        if (line.starts_with("Negative prompt:")) {
            done_with_prompt = true;
            line = strip(std::string_view(line).substr(16));
        }
        std::string& target = done_with_prompt ? out.negative_prompt : out.prompt;
        target += (target.empty() ? "" : "\n") + line;
    }
    for (auto& [key, value] : params) out.parameters.emplace_back(std::move(key), unquote(value));
    return out;
}

GenerationRecord record_from_infotext(const Infotext& infotext) {
    GenerationRecord record;
    record.generator = "automatic1111";
    record.software = software_of(infotext.find("Version"));
    record.prompts = {infotext.prompt};
    if (!infotext.negative_prompt.empty()) record.negative_prompts = {infotext.negative_prompt};
    if (const auto* v = infotext.find("Seed")) record.seed = parse_unsigned(*v);
    if (const auto* v = infotext.find("Steps")) record.steps = as_integer(Json(*v));
    if (const auto* v = infotext.find("CFG scale")) record.cfg_scale = as_number(Json(*v));
    if (const auto* v = infotext.find("Sampler")) record.sampler = *v;
    if (const auto* v = infotext.find("Schedule type")) record.scheduler = *v;
    const auto* model = infotext.find("Model");
    const auto* hash = infotext.find("Model hash");
    if (model || hash)
        record.model = ModelRef{model ? *model : "", hash ? std::optional<std::string>(*hash) : std::nullopt};
    if (const auto* v = infotext.find("Size")) {
        if (const auto size = parse_size(*v)) {
            record.width = size->first;
            record.height = size->second;
        }
    }
    return record;
}

std::optional<GenerationRecord> parse_a1111(const std::vector<MetadataText>& texts, const Limits&) {
    // Where the A1111 family and tools copying its format put the infotext, most usual first.
    for (const char* key : {"parameters", "UserComment", "", "XPComment", "ImageDescription"}) {
        const MetadataText* text = find_text(texts, key);
        if (!text || (*key == '\0' && text->source != "jpeg:COM")) continue;
        const Infotext infotext = parse_infotext(text->text);
        // Without parameters only a bare prompt would be left: not an infotext.
        if (!infotext.parameters.empty()) return record_from_infotext(infotext);
    }
    return std::nullopt;
}

}  // namespace raiiaf::detail::generators
