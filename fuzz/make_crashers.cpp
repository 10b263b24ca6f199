// Writes the hand-made hostile inputs of tests/crashers/<target>/ (the
// fuzzer's own findings are copied there as they were found):
//   raiiaf_fuzz_make_crashers <tests/crashers dir>
// Each is a small file that asks the reader for far more time or memory than
// its size justifies, or breaks one structural rule. Every one must be
// rejected cleanly within the bounds of docs/SECURITY.md.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/json_text.hpp"
#include "sample_files.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace raiiaf;

namespace {

fs::path g_out;

void write(const std::string& target, const std::string& name, std::span<const std::byte> bytes) {
    fs::create_directories(g_out / target);
    std::ofstream out(g_out / target / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::printf("%s/%s: %zu bytes\n", target.c_str(), name.c_str(), bytes.size());
}

std::span<const std::byte> text_bytes(const std::string& text) { return std::as_bytes(std::span(text.data(), text.size())); }

using testing::chunks_of;
using testing::with_manifest;

// Index of the first chunk record matching `predicate`.
std::size_t find_chunk(Json& document, const std::function<bool(const Json&)>& predicate) {
    Json& chunks = chunks_of(document);
    for (std::size_t i = 0; i < chunks.size(); ++i)
        if (predicate(chunks[i])) return i;
    throw std::runtime_error("no such chunk");
}

// A file holding one extra chunk copied as stored (whatever its bytes).
std::vector<std::byte> file_with_chunk(const ChunkRecord& record, std::vector<std::byte> stored, Layout layout) {
    ArtifactContent content;
    content.model = samples::sample_model();
    content.environment = samples::sample_environment();
    StoredChunk chunk;
    chunk.record = record;
    chunk.record.compressed_size = stored.size();
    chunk.stored = Bytes(std::move(stored));
    content.stored_chunks.push_back(std::move(chunk));
    return encode(content, {.layout = layout});
}

std::vector<std::byte> concat(std::span<const std::byte> a, std::span<const std::byte> b) {
    std::vector<std::byte> out(a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

std::vector<std::byte> sample(const std::string& name) {
    for (auto& file : samples::integrity_files())
        if (file.name == name) return file.bytes;
    throw std::runtime_error("no sample " + name);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <tests/crashers dir>\n", argv[0]);
        return 2;
    }
    g_out = argv[1];
    const auto raiiaf_file = sample("raiiaf_mixed");
    const auto gen5_file = sample("gen5_mixed");

    // A zstd LATN whose record claims a 4 GiB tensor (shape and size agree):
    // the reader must not allocate 4 GiB for a frame of a few hundred bytes.
    write("check_bytes", "hostile-zstd-latent-claims-4gib.gen5", with_manifest(gen5_file, [](Json& doc) {
              Json& chunk = chunks_of(doc)[find_chunk(doc, [](const Json& c) { return c["extra"]["key"] == "zstd_f32"; })];
              chunk["extra"]["shape"] = Json::array({1, 1073741820});
              chunk["uncompressed_size"] = 4294967280ull;
          }));
    // The same for a zfp LATN (float16: the decoder widens to float32, 8 GiB).
    write("check_bytes", "hostile-zfp-f16-latent-claims-4gib.raiiaf", with_manifest(raiiaf_file, [](Json& doc) {
              Json& chunk = chunks_of(doc)[find_chunk(doc, [](const Json& c) { return c["extra"]["key"] == "zfp_f16"; })];
              chunk["extra"]["shape"] = Json::array({2, 32768, 32767});
              chunk["uncompressed_size"] = 2ull * 32768 * 32767 * 2;
          }));
    // An ENVC record (no shape to agree with) claiming 4 GiB.
    write("check_bytes", "hostile-envc-claims-4gib.raiiaf", with_manifest(raiiaf_file, [](Json& doc) {
              Json& chunk = chunks_of(doc)[find_chunk(doc, [](const Json& c) { return c["type"] == "ENVC"; })];
              chunk["uncompressed_size"] = 4294967295ull;
          }));
    // A manifest object with 150,000 keys: a few hundred KiB compressed, and
    // parsing into an insertion-ordered object is quadratic in the keys.
    write("check_bytes", "hostile-manifest-150k-keys.raiiaf", with_manifest(raiiaf_file, [](Json& doc) {
              Json& extra = doc.begin().value()["model_info"];
              Json many = Json::object();
              auto& members = many.get_ref<Json::object_t&>();
              for (int i = 0; i < 150000; ++i) members.emplace_back("k" + std::to_string(i), 0);
              extra["many"] = std::move(many);
          }));
    // A manifest of 60 MiB (under the limit of the time, 64 MiB) that is one array of 30
    // million zeros: a few KiB compressed, about 600 MiB as a JSON tree.
    write("check_bytes", "hostile-manifest-30m-values.gen5",
          with_manifest(gen5_file, [](Json&) {}, [](std::string& text) {
              std::string zeros;
              zeros.reserve(60'000'000);
              for (int i = 0; i < 30'000'000; ++i) zeros += "0,";
              const auto at = text.find("\"model_info\": {");
              text.insert(at + std::string("\"model_info\": {").size(), "\"zeros\": [" + zeros + "0],");
          }));
    // A manifest frame that decompresses past the manifest size limit (whitespace).
    write("check_bytes", "hostile-manifest-bomb.raiiaf", with_manifest(raiiaf_file, [](Json&) {}, [](std::string& text) {
              text.insert(1, std::string(65u << 20, ' '));
          }));
    // A manifest nested 200,000 levels deep.
    write("check_bytes", "hostile-manifest-deep.raiiaf", with_manifest(raiiaf_file, [](Json&) {}, [](std::string& text) {
              text.insert(1, "\"deep\": " + std::string(200000, '[') + std::string(200000, ']') + ",");
          }));
    // 1001 chunk records (over the default limit of 1000), all identical.
    write("check_bytes", "hostile-1001-chunks.gen5", with_manifest(gen5_file, [](Json& doc) {
              Json& chunks = chunks_of(doc);
              const Json first = chunks[0];
              while (chunks.size() < 1001) chunks.push_back(first);
          }));

    // Found by the zstd target (UBSan: memcpy to a null pointer in
    // unshuffle_bytes): a shuffle-zstd LATN of one-byte elements and no
    // elements. A valid file; loading it must not be undefined behaviour.
    {
        ChunkRecord record;
        record.type = "LATN";
        record.flags = "I8";
        record.extra = Json{{"shape", Json::array({0})}, {"dtype", "int8"}, {"key", "empty"}, {"codec", "shuffle-zstd"}};
        record.compressed = true;
        record.uncompressed_size = 0;
        record.hash = detail::sha256_hex(std::string_view());
        const auto envelope = detail::encode_chunk_header("LATN", "I8", 0);
        for (const Layout layout : {Layout::raiiaf, Layout::gen5})
            write("check_bytes",
                  std::string("valid-shuffle-zstd-empty-int8.") + (layout == Layout::raiiaf ? "raiiaf" : "gen5"),
                  file_with_chunk(record, detail::zstd_compress({envelope}), layout));
    }
    // Found by the zfp target (SEGV inside libzfp): a zfp stream in fixed-rate
    // mode with 6 bits per block, fewer than a double block's exponent needs;
    // zfp's decoder then underflows its bit budget and reads far past the buffer.
    {
        const unsigned char stream[] = {
            0x7a, 0x66, 0x70, 0x05, 0x3f, 0x00, 0x03, 0x10, 0x00, 0x00, 0x50, 0x00, 0x01, 0x68, 0x08, 0x00,
            0x15, 0x80, 0x08, 0x80, 0xff, 0xff, 0xff, 0x15, 0x80, 0x08, 0x80, 0xff, 0xff, 0x46, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03};
        ChunkRecord record;
        record.type = "LATN";
        record.flags = "F64";
        record.extra = Json{{"shape", Json::array({1, 2, 4, 4})}, {"dtype", "float64"}, {"key", "bad_zfp"}, {"codec", "zfp"}};
        record.compressed = true;
        record.uncompressed_size = 256;
        record.hash = detail::sha256_hex(std::vector<std::byte>(256));
        const auto envelope = detail::encode_chunk_header("LATN", "F64", 256);
        const auto header_frame = detail::zstd_compress({envelope});
        record.len_header = header_frame.size();
        record.len_data = sizeof stream;
        write("check_bytes", "zfp-fixed-rate-6-bits-per-block.raiiaf",
              file_with_chunk(record, concat(header_frame, std::as_bytes(std::span(stream))), Layout::raiiaf));
    }

    // The same manifests as text for the manifest target.
    {
        std::string text = "{\"raiiaf_metadata\": {\"model_info\": {";
        for (int i = 0; i < 50000; ++i) text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
        text += "}}}";
        write("manifest", "hostile-50k-keys.json", text_bytes(text));
    }
    // ENVC payloads: a component list of many objects is fine (an array);
    // one object with 50,000 keys is the quadratic case.
    {
        std::string text = "{\"env_version\": 1, \"components\": [], \"x\": {";
        for (int i = 0; i < 50000; ++i) text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
        text += "}}";
        write("env", "hostile-50k-keys.json", text_bytes(text));
    }
    return 0;
}
