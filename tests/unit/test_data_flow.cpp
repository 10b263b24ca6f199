// Each byte is handled as few times as the job needs: a JSON document is
// parsed in one bounded pass (with the errors of the former two passes); an
// edit copies chunks as stored, checked against the digests of their stored
// bytes and never decoded; Reader::verify() checks an open reader as
// check_bytes checks its bytes, and hands each payload it decoded and checked
// to a caller that wants them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "format/json_text.hpp"
#include "format/sha256.hpp"
#include "raiiaf/raiiaf.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using testing::sample_content;

// ---- one bounded parse ----------------------------------------------------------

struct JsonOutcome {
    bool ok = false;
    std::string message;
    std::optional<std::uint64_t> offset;
    bool exceeds_limits = false;
};

JsonOutcome outcome_of(const std::function<void()>& parse) {
    try {
        parse();
        return {true, "", std::nullopt, false};
    } catch (const detail::JsonTextError& e) {
        return {false, e.what(), e.offset, e.exceeds_limits};
    }
}

TEST(OnePassJson, RefusesWhatTheBoundsCheckRefusesWithTheSameError) {
    const Limits limits{.max_json_depth = 4, .max_json_object_members = 3, .max_json_values = 20};
    const std::vector<std::string> documents = {
        R"({"a": 1, "b": [1, 2, {"c": null}]})",           // within every bound
        "[[[[[1]]]]]",                                      // too deep
        "[[[[[1]]]]] trailing garbage",                     // too deep, before the syntax error
        R"({"a": 1, "b": 2, "c": 3, "d": 4})",              // too many keys
        R"({"a": 1, "a": 2, "a": 3, "a": 4})",              // duplicate keys count too
        "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21]",  // too many values
        R"({"a": tru})",                                    // syntax, with its offset
        R"({"a": 1} {)",                                    // trailing content
        "[1, 2",                                            // truncated
        "",                                                 // empty
        R"({"a": NaN})",                                    // not JSON
        "\"\xff\"",                                         // invalid UTF-8
    };
    for (const auto& text : documents) {
        const JsonOutcome checked = outcome_of([&] { detail::check_json_text(text, limits); });
        Json tree;
        const JsonOutcome parsed = outcome_of([&] { tree = detail::parse_json(text, limits); });
        EXPECT_EQ(parsed.ok, checked.ok) << text;
        EXPECT_EQ(parsed.message, checked.message) << text;
        EXPECT_EQ(parsed.offset, checked.offset) << text;
        EXPECT_EQ(parsed.exceeds_limits, checked.exceeds_limits) << text;
        if (parsed.ok) {
            EXPECT_EQ(tree, Json::parse(text)) << text;
        }
        Json observed_tree;
        const JsonOutcome observed = outcome_of(
            [&] { observed_tree = detail::parse_json(text, limits, [](std::size_t, const std::string&, bool) {}); });
        EXPECT_EQ(observed.message, checked.message) << text;
        EXPECT_EQ(observed.offset, checked.offset) << text;
        EXPECT_EQ(observed.exceeds_limits, checked.exceeds_limits) << text;
        EXPECT_EQ(observed_tree, tree) << text;
    }
}

TEST(OnePassJson, TellsTheObserverOfEveryKeyWithItsDepthAndWhetherItRepeats) {
    const std::string text = R"({"a": {"b": [{"c": 1, "c": 2}], "b": 3}, "d": [], "a": null})";
    std::vector<std::tuple<std::size_t, std::string, bool>> keys;
    const Json tree = detail::parse_json(text, Limits{}, [&](std::size_t depth, const std::string& key, bool duplicate) {
        keys.emplace_back(depth, key, duplicate);
    });
    const std::vector<std::tuple<std::size_t, std::string, bool>> expected = {
        {1, "a", false}, {2, "b", false}, {4, "c", false}, {4, "c", true}, {2, "b", true}, {1, "d", false}, {1, "a", true}};
    EXPECT_EQ(keys, expected);
    EXPECT_EQ(tree, Json::parse(text));
}

// Observed, a text is read once, however long: what the observer throws at
// the first key comes before a bound exceeded or a syntax error further on.
TEST(OnePassJson, AnObservedTextLongerThanTheOnePassLimitIsStillReadOnce) {
    const Limits limits{.max_json_object_members = 100};
    std::string text = R"({"first": 0)";
    for (int i = 0; i < 200; ++i) text += ", \"k" + std::to_string(i) + "\": 0";
    text += ", oops}";
    const JsonOutcome plain = outcome_of([&] { (void)detail::parse_json(text, limits); });
    EXPECT_TRUE(plain.exceeds_limits) << plain.message;
    EXPECT_NE(plain.message.find("more than 100 keys"), std::string::npos) << plain.message;
    std::size_t calls = 0;
    EXPECT_THROW((void)detail::parse_json(text, limits,
                                          [&](std::size_t, const std::string&, bool) {
                                              ++calls;
                                              throw std::runtime_error("refused at the first key");
                                          }),
                 std::runtime_error);
    EXPECT_EQ(calls, 1u);
    // Without a throw the observed parse refuses it as the plain one does.
    const JsonOutcome observed = outcome_of([&] { (void)detail::parse_json(text, limits, [](std::size_t, const std::string&, bool) {}); });
    EXPECT_EQ(observed.message, plain.message);
    EXPECT_EQ(observed.exceeds_limits, plain.exceeds_limits);
}

TEST(OnePassJson, BuildsTheSameTreeAsTheUnboundedParser) {
    const std::string text = R"({"z": 1, "a": [true, false, null, -3, 18446744073709551615, 2.5e-3, "\u00e9\n"],)"
                             R"( "m": {"k": {}, "j": []}, "a": "last wins"})";
    const Json tree = detail::parse_json(text, Limits{});
    EXPECT_EQ(tree, Json::parse(text));
    EXPECT_EQ(tree.dump(), Json::parse(text).dump());  // key order kept
}

TEST(OnePassJson, PublicParseReportsBoundsAsInvalidArgument) {
    try {
        (void)parse_json(std::string(200, '[') + std::string(200, ']'));
        FAIL() << "a document deeper than the default bound was accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(e.reason().find("JSON nesting deeper than"), std::string::npos) << e.reason();
    }
}

// ---- edits copy stored bytes ------------------------------------------------------

std::optional<std::size_t> first_of_type(const Reader& reader, std::string_view type) {
    for (const auto& record : reader.chunks())
        if (record.type == type) return record.index;
    return std::nullopt;
}

std::vector<std::byte> copy_of(const Bytes& bytes) { return {bytes.span().begin(), bytes.span().end()}; }

// A file whose zstd latent's stored bytes are not a zstd frame, yet match the
// file's digest of its stored bytes (xxh3_128): a verify fails on decoding,
// nothing that only copies the chunk can tell.
std::vector<std::byte> file_with_undecodable_latent() {
    ArtifactContent source = sample_content();
    source.latents[0].codec = Codec::zstd;
    const Reader original = Reader::from_bytes(Bytes(encode(source)));
    const auto latent = first_of_type(original, kLatentType);

    ArtifactContent forged;
    forged.model = original.model_info();
    forged.environment = original.environment();
    for (const auto& record : original.chunks()) {
        if (record.type == kEnvType) continue;
        StoredChunk chunk{record, original.stored_bytes(record.index)};
        if (record.index == *latent) {
            std::vector<std::byte> garbage(record.compressed_size, std::byte{0x5a});
            chunk.stored = Bytes(std::move(garbage));
            chunk.record.extra.erase(std::string(kStoredDigestKey));  // the writer recomputes only xxh3_128
        }
        forged.stored_chunks.push_back(std::move(chunk));
    }
    return encode(forged);
}

TEST(StoredContent, CopiesAChunkThatWouldNotDecodeVerbatim) {
    const std::vector<std::byte> file = file_with_undecodable_latent();
    const Reader reader = Reader::from_bytes(Bytes::borrowed(file));
    const auto latent = first_of_type(reader, kLatentType);
    ASSERT_TRUE(latent);
    ASSERT_FALSE(reader.verify().ok()) << "the forged latent should not decode";
    EXPECT_THROW((void)reader.load_latent(0), ChunkError);

    ArtifactContent content = stored_content(reader);
    content.model.prompt = "a dog";
    const std::vector<std::byte> edited = encode(content, {.layout = reader.layout()});
    const Reader after = Reader::from_bytes(Bytes::borrowed(edited));

    EXPECT_EQ(after.model_info().prompt, "a dog");
    const auto edited_latent = first_of_type(after, kLatentType);
    ASSERT_TRUE(edited_latent);
    EXPECT_EQ(copy_of(after.stored_bytes(*edited_latent)), copy_of(reader.stored_bytes(*latent)));
    EXPECT_EQ(after.chunks()[*edited_latent].hash, reader.chunks()[*latent].hash);
    EXPECT_EQ(after.chunks()[*edited_latent].extra.at(std::string(kFastDigestKey)),
              reader.chunks()[*latent].extra.at(std::string(kFastDigestKey)));
}

TEST(StoredContent, KeepsEveryChunkAndTheEnvironmentAsStored) {
    ArtifactContent source = sample_content();
    source.latents[0].codec = Codec::shuffle_zstd;
    source.latents.push_back({"final_latent", testing::random_tensor(DType::float16, {1, 4, 8, 8}, 7), Codec::zstd});
    source.environment = Environment{1,
                                     {{"torch", "name=torch;version=2.1"},
                                      {"os", "name=os;version=Linux 6.1.0"},
                                      {"generator", "name=generator;version=1;backend=cpu"}}};  // kept in the manifest
    const std::vector<std::byte> file = encode(source);
    const Reader reader = Reader::from_bytes(Bytes::borrowed(file));

    ArtifactContent content = stored_content(reader);
    content.model.tags.push_back("edited");
    const std::vector<std::byte> edited = encode(content, {.layout = reader.layout()});
    const Reader after = Reader::from_bytes(Bytes::borrowed(edited));

    ASSERT_EQ(after.chunks().size(), reader.chunks().size());
    for (std::size_t i = 0; i < reader.chunks().size(); ++i) {
        EXPECT_EQ(after.chunks()[i].type, reader.chunks()[i].type) << i;
        EXPECT_EQ(after.chunks()[i].hash, reader.chunks()[i].hash) << i;
        EXPECT_EQ(copy_of(after.stored_bytes(i)), copy_of(reader.stored_bytes(i))) << i;
    }
    EXPECT_EQ(after.environment(), source.environment);
    EXPECT_EQ(after.model_info().tags.back(), "edited");
    EXPECT_TRUE(after.verify().ok());
}

TEST(StoredContent, RefusesAChunkWhoseStoredBytesChanged) {
    ArtifactContent source = sample_content();
    source.latents[0].codec = Codec::zstd;
    std::vector<std::byte> file = encode(source);
    const auto latent_offset = Reader::from_bytes(Bytes(file)).chunks()[0].offset;
    file[latent_offset + 20] ^= std::byte{0x01};
    const Reader reader = Reader::from_bytes(Bytes::borrowed(file));
    try {
        (void)stored_content(reader);
        FAIL() << "a changed chunk was copied";
    } catch (const ChunkError& e) {
        EXPECT_EQ(e.where().chunk_index, 0u);
    }
}

TEST(StoredContent, ChecksFilesWithoutStoredDigestsOnTheirPayloadHash) {
    // Files of the existing package record only the payload's SHA-256.
    std::vector<std::byte> file = testing::read_file_bytes(testing::vector_file("r1_f32_raw"));
    {
        const Reader reader = Reader::from_bytes(Bytes::borrowed(file));
        for (const auto& record : reader.chunks()) {
            ASSERT_FALSE(record.extra.contains(std::string(kFastDigestKey)));
            ASSERT_FALSE(record.extra.contains(std::string(kStoredDigestKey)));
        }
        EXPECT_EQ(stored_content(reader).stored_chunks.size(), reader.chunks().size());
    }
    const Reader intact = Reader::from_bytes(Bytes(std::vector<std::byte>(file)));
    file[intact.chunks()[0].offset + 100] ^= std::byte{0x01};  // inside the raw latent
    const Reader damaged = Reader::from_bytes(Bytes::borrowed(file));
    try {
        (void)stored_content(damaged);
        FAIL() << "a damaged raw latent was copied";
    } catch (const ChunkError& e) {
        EXPECT_NE(std::string(e.what()).find("SHA-256 of the payload"), std::string::npos) << e.what();
    }
}

// ---- verify on the open reader ------------------------------------------------------

TEST(ReaderVerify, ReportsWhatCheckBytesReports) {
    ArtifactContent source = sample_content();
    source.latents[0].codec = Codec::zstd;
    std::vector<std::byte> file = encode(source);
    const Reader intact = Reader::from_bytes(Bytes(std::vector<std::byte>(file)));
    EXPECT_TRUE(intact.verify().ok());
    for (const auto& record : intact.chunks()) file[record.offset + record.compressed_size / 2] ^= std::byte{0x10};
    // Opened without hash checks: verify still checks every hash.
    const Reader damaged = Reader::from_bytes(Bytes::borrowed(file), {.verify_hashes = false});
    const CheckReport from_reader = damaged.verify();
    const CheckReport from_bytes = check_bytes(file);
    ASSERT_EQ(from_reader.problems.size(), intact.chunks().size());
    ASSERT_EQ(from_reader.problems.size(), from_bytes.problems.size());
    for (std::size_t i = 0; i < from_bytes.problems.size(); ++i)
        EXPECT_EQ(from_reader.problems[i].message, from_bytes.problems[i].message);
}

// A file with a raw and a zstd latent, the image and an ENVC chunk.
std::vector<std::byte> file_for_visitor() {
    ArtifactContent source = sample_content();
    source.latents[0].codec = Codec::zstd;
    source.latents.push_back({"raw_noise", testing::random_tensor(DType::float32, {1, 2, 4, 4}, 7), Codec::raw});
    return encode(source);
}

TEST(ReaderVerify, HandsEachCheckedPayloadToItsVisitorOnce) {
    const std::vector<std::byte> file = file_for_visitor();
    for (const bool copy : {false, true}) {
        const Reader reader = Reader::from_bytes(Bytes::borrowed(file), {.copy_payloads = copy});
        std::vector<VerifiedPayload> seen;
        const CheckReport report = reader.verify([&](VerifiedPayload&& verified) { seen.push_back(std::move(verified)); });
        ASSERT_TRUE(report.ok()) << report.problems.front().message;
        ASSERT_EQ(seen.size(), reader.chunks().size());
        for (std::size_t i = 0; i < seen.size(); ++i) {
            const ChunkRecord& record = reader.chunks()[i];
            EXPECT_EQ(seen[i].chunk_index, i);
            EXPECT_EQ(detail::sha256_hex(seen[i].payload.span()), record.hash) << record.type;
            const Bytes loaded = reader.load_payload(i);
            EXPECT_TRUE(std::ranges::equal(seen[i].payload.span(), loaded.span())) << record.type;
            // An uncompressed payload is a view of the file unless copies were asked for.
            if (!record.compressed) {
                EXPECT_EQ(seen[i].payload.is_view(), !copy) << record.type;
            }
            EXPECT_EQ(seen[i].environment.has_value(), record.type == kEnvType) << record.type;
            if (seen[i].environment) {
                EXPECT_EQ(*seen[i].environment, *reader.environment());
            }
        }
        EXPECT_TRUE(std::ranges::any_of(reader.chunks(), [](const ChunkRecord& record) { return !record.compressed; }));
        EXPECT_TRUE(std::ranges::any_of(reader.chunks(), [](const ChunkRecord& record) { return record.compressed; }));
    }
}

TEST(ReaderVerify, AFlipInAnyChunkFailsAndThatChunkIsNotHandedOver) {
    const std::vector<std::byte> intact = file_for_visitor();
    const Reader layout_of = Reader::from_bytes(Bytes::borrowed(intact));
    for (const ChunkRecord& record : layout_of.chunks()) {
        for (const std::uint64_t at : {record.offset, record.offset + record.compressed_size / 2,
                                       record.offset + record.compressed_size - 1}) {
            std::vector<std::byte> file = intact;
            file[at] ^= std::byte{0x01};
            const Reader reader = Reader::from_bytes(Bytes::borrowed(file));
            std::vector<std::size_t> seen;
            const CheckReport report = reader.verify([&](VerifiedPayload&& verified) { seen.push_back(verified.chunk_index); });
            const std::string where = record.type + " byte " + std::to_string(at - record.offset);
            ASSERT_FALSE(report.ok()) << where;
            EXPECT_EQ(report.problems.size(), 1u) << where;
            EXPECT_EQ(report.problems.front().message, check_bytes(file).problems.front().message) << where;
            EXPECT_EQ(std::count(seen.begin(), seen.end(), record.index), 0) << where;
            EXPECT_EQ(seen.size(), reader.chunks().size() - 1) << where;
        }
    }
}

TEST(ReaderVerify, WhatTheVisitorThrowsReachesTheCaller) {
    const std::vector<std::byte> file = file_for_visitor();
    const Reader reader = Reader::from_bytes(Bytes::borrowed(file));
    std::size_t calls = 0;
    EXPECT_THROW((void)reader.verify([&](VerifiedPayload&&) {
                     ++calls;
                     throw std::runtime_error("the caller's own failure");
                 }),
                 std::runtime_error);
    EXPECT_EQ(calls, 1u);
}

}  // namespace
}  // namespace raiiaf
