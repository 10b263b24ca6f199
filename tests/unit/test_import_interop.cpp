// Every asserted field of every file in tests/data/interop (real generator
// outputs) matches its .expected.json under the README's comparison rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "raiiaf/import.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

std::filesystem::path interop_dir() { return std::filesystem::path(RAIIAF_TEST_DATA_DIR) / "interop"; }

// norm(s) = "\n".join(line.strip() for line in s.strip().split("\n"))
std::string norm(const std::string& s) {
    const auto strip = [](std::string_view v) {
        const auto a = v.find_first_not_of(" \t\r\n\f\v");
        if (a == std::string_view::npos) return std::string();
        const auto b = v.find_last_not_of(" \t\r\n\f\v");
        return std::string(v.substr(a, b - a + 1));
    };
    const std::string whole = strip(s);
    std::string out;
    std::size_t start = 0;
    while (true) {
        const auto nl = whole.find('\n', start);
        out += strip(std::string_view(whole).substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos) break;
        out += '\n';
        start = nl + 1;
    }
    return out;
}

std::vector<std::string> normed_list(const Json& value) {
    std::vector<std::string> out;
    if (value.is_string()) out.push_back(norm(value.get<std::string>()));
    if (value.is_array())
        for (const Json& v : value) out.push_back(norm(v.get<std::string>()));
    std::sort(out.begin(), out.end());
    return out;
}

bool same_value(const std::string& field, const Json& expected, const Json& actual) {
    if (field == "prompt" || field == "negative_prompt" || field == "positive" || field == "negative") {
        if (expected.is_null() || actual.is_null()) return expected.is_null() == actual.is_null();
        return normed_list(expected) == normed_list(actual);
    }
    if (expected.is_number() && actual.is_number()) {
        if (expected.is_number_float() || actual.is_number_float())
            return std::fabs(expected.get<double>() - actual.get<double>()) <= 1e-9 * std::max(1.0, std::fabs(expected.get<double>()));
        if (expected.is_number_unsigned() || actual.is_number_unsigned())
            return expected.get<std::uint64_t>() == actual.get<std::uint64_t>();
        return expected.get<std::int64_t>() == actual.get<std::int64_t>();
    }
    if (expected.is_object() && actual.is_object()) {
        for (const auto& [key, value] : expected.items())
            if (!same_value(key, value, actual.contains(key) ? actual[key] : Json(nullptr))) return false;
        for (const auto& [key, value] : actual.items())
            if (!expected.contains(key) && !value.is_null()) return false;
        return true;
    }
    return expected == actual;
}

class InteropFile : public ::testing::TestWithParam<std::string> {};

TEST_P(InteropFile, EveryAssertedFieldMatches) {
    const std::string name = GetParam();
    const Json expected = Json::parse(testing::read_file_text(interop_dir() / (name + ".expected.json")));
    const auto bytes = testing::read_file_bytes(interop_dir() / name);
    const GenerationMetadata metadata = read_generation_metadata(bytes);
    ASSERT_TRUE(metadata.recognised()) << name;
    const Json& record = metadata.record;
    EXPECT_EQ(metadata.image_format, expected["image"]["format"]);

    const Json not_asserted = expected.value("not_asserted", Json::array());
    const Json also_accept = expected.value("also_accept", Json::object());
    for (const char* field : {"generator", "prompt", "negative_prompt", "seed", "steps", "cfg_scale", "sampler",
                              "scheduler", "model", "width", "height", "primary_sampler_id"}) {
        if (!expected.contains(field)) continue;
        if (std::find(not_asserted.begin(), not_asserted.end(), Json(field)) != not_asserted.end()) continue;
        const Json actual = record.contains(field) ? record[field] : Json(nullptr);
        bool ok = same_value(field, expected[field], actual);
        if (!ok && also_accept.contains(field))
            for (const Json& alternative : also_accept[field]) ok = ok || same_value(field, alternative, actual);
        EXPECT_TRUE(ok) << name << ": " << field << " expected " << expected[field].dump() << " got " << actual.dump();
    }
    if (expected.contains("samplers")) {
        ASSERT_TRUE(record.contains("samplers")) << name;
        EXPECT_EQ(record["samplers"].size(), expected["samplers"].size()) << name;
        for (const Json& want : expected["samplers"]) {
            const auto got = std::find_if(record["samplers"].begin(), record["samplers"].end(),
                                          [&](const Json& s) { return s["id"] == want["id"]; });
            ASSERT_NE(got, record["samplers"].end()) << name << ": sampler " << want["id"];
            for (const auto& [key, value] : want.items())
                EXPECT_TRUE(same_value(key, value, got->contains(key) ? (*got)[key] : Json(nullptr)))
                    << name << ": sampler " << want["id"] << " " << key << " expected " << value.dump() << " got "
                    << (got->contains(key) ? (*got)[key].dump() : "absent");
        }
    }
}

std::vector<std::string> interop_files() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(interop_dir())) {
        const std::string name = entry.path().filename().string();
        if (name.ends_with(".expected.json")) names.push_back(name.substr(0, name.size() - 14));
    }
    std::sort(names.begin(), names.end());
    return names;
}

INSTANTIATE_TEST_SUITE_P(AllFiles, InteropFile, ::testing::ValuesIn(interop_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string id = info.param;
                             std::replace_if(id.begin(), id.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                             return id;
                         });

TEST(InteropSet, HasTheTenFiles) { EXPECT_EQ(interop_files().size(), 10u); }

}  // namespace
}  // namespace raiiaf
