// parse_json (src/format/json_text.cpp) parses the plain JSON our writers
// produce with its own lexer and everything else with nlohmann's parser; the
// two must give the same tree (value types included) and the same errors.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "format/json_text.hpp"
#include "raiiaf/json.hpp"

namespace raiiaf {
namespace {

// Json's == holds between 1u and 1: the value types are compared here too.
void expect_same_tree(const Json& got, const Json& expected, const std::string& where) {
    ASSERT_EQ(got.type(), expected.type()) << where;
    if (got.is_structured()) {
        ASSERT_EQ(got.size(), expected.size()) << where;
        auto e = expected.begin();
        for (auto g = got.begin(); g != got.end(); ++g, ++e) {
            if (got.is_object()) {
                ASSERT_EQ(g.key(), e.key()) << where;
            }
            expect_same_tree(*g, *e, where + "/" + (got.is_object() ? g.key() : "[]"));
        }
    } else {
        EXPECT_EQ(got.dump(), expected.dump()) << where;
    }
}

TEST(JsonText, PlainAndOtherTextsGiveNlohmannsTree) {
    const std::vector<std::string> texts = {
        // plain: the fast lexer's whole domain
        R"({"a": 1, "b": [true, false, null], "c": {"d": "text with spaces: and, commas"}})",
        "  {\n  \"x\" :\t[ ]\r\n, \"y\":{} , \"z\": [[], [{}], 0, -0, -7, 123456789012345678] }  ",
        R"([1,2,3])", R"("just a string")", "42", "-42", "0", "true", "null", R"({})", R"([])",
        R"({"dup": 1, "dup": 2, "other": 3})",
        // the rest: escapes, non-ASCII, fractions, exponents, long integers, a BOM
        R"({"e": "tab\tquote\" backslash\\ \u00e9 \ud83d\ude00"})", "{\"u\": \"caf\xc3\xa9\"}",
        R"([1.5, -0.0, 1e3, 2E-2, 1234567890123456789, 18446744073709551615, 18446744073709551616])",
        R"([-1234567890123456789, -9223372036854775808, -9223372036854775809])",
        "\xef\xbb\xbf{\"bom\": 1}",
    };
    for (const std::string& text : texts)
        expect_same_tree(detail::parse_json(text, Limits{}), Json::parse(text), text);
}

TEST(JsonText, InvalidTextsFailAsTheCheckerSays) {
    // Each refused by the one-pass parser as by the bounds checker that reads
    // a text without building a tree: the same message, at the same offset.
    Limits shallow;
    shallow.max_json_depth = 3;
    const std::vector<std::string> texts = {
        "", "   ", "{", "[1, 2", R"({"a" 1})", R"({"a": 1,})", "[1 2]", "[01]", "[-]", "[1.]", "[- 1]",
        "truex", "[tru]", "{\"a\": \"unterminated}", "{\"a\": \"control\x01\"}", R"({"a": 1} extra)",
        R"({1: 2})", "[1]]", "{\"a\": [}", R"([NaN])", "[\"bad utf-8 \xff\"]", "[[[[1]]]]", R"({"a": {"b": {"c": {}}}})",
    };
    for (const std::string& text : texts) {
        SCOPED_TRACE(text);
        std::string expected_reason;
        std::optional<std::uint64_t> expected_offset;
        try {
            detail::check_json_text(text, shallow);
            ADD_FAILURE() << "the checker accepts it";
        } catch (const detail::JsonTextError& e) {
            expected_reason = e.what();
            expected_offset = e.offset;
        }
        try {
            (void)detail::parse_json(text, shallow);
            ADD_FAILURE() << "parse_json accepts it";
        } catch (const detail::JsonTextError& e) {
            EXPECT_EQ(std::string(e.what()), expected_reason);
            EXPECT_EQ(e.offset, expected_offset);
        }
    }
}

// Texts a byte or three away from a manifest, valid or not: where nlohmann
// accepts one, parse_json gives its tree; where it refuses one, parse_json
// refuses it with the checker's message and offset.
TEST(JsonText, NearManifestTextsAgreeWithNlohmann) {
    const std::string manifest = R"({"raiiaf_metadata": {"file_info": {"magic": "raiiaf", "version_major": 1,
        "file_size": 280358, "chunk_count": 2}, "model_info": {"model_name": "m", "tags": [], "seed": -42},
        "chunks": [{"index": 0, "type": "LATN", "extra": {"shape": [1, 4, 8, 8], "dtype": "float32"},
        "compressed": false, "len_header": null}]}})";
    const std::string alphabet = "{}[]:,\"\\ \n\t0123456789-+.eEtrufalsn\x01\xc3\xa9\xff";
    std::mt19937 random(18);
    int valid = 0;
    for (int round = 0; round < 4000; ++round) {
        std::string text = manifest;
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = random() % text.size();
            const char c = alphabet[random() % alphabet.size()];
            switch (random() % 3) {
                case 0: text.erase(at, 1); break;
                case 1: text.insert(at, 1, c); break;
                default: text[at] = c;
            }
        }
        SCOPED_TRACE(text);
        std::optional<Json> expected;
        try {
            expected = Json::parse(text);
        } catch (const Json::exception&) {
        }
        if (expected) {
            ++valid;
            expect_same_tree(detail::parse_json(text, Limits{}), *expected, "");
            continue;
        }
        std::string expected_reason;
        std::optional<std::uint64_t> expected_offset;
        try {
            detail::check_json_text(text, Limits{});
        } catch (const detail::JsonTextError& e) {
            expected_reason = e.what();
            expected_offset = e.offset;
        }
        try {
            (void)detail::parse_json(text, Limits{});
            ADD_FAILURE() << "parse_json accepts what nlohmann refuses";
        } catch (const detail::JsonTextError& e) {
            EXPECT_EQ(std::string(e.what()), expected_reason);
            EXPECT_EQ(e.offset, expected_offset);
        }
    }
    EXPECT_GT(valid, 100);  // both sides of the comparison were exercised
}

}  // namespace
}  // namespace raiiaf
