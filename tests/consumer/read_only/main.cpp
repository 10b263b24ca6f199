// Reads vendored vectors through a read-only raiiaf (RAIIAF_READ_ONLY): both
// layouts, a zfp- and a zstd-coded latent, the manifest and the whole-file
// check. Exit 0 when everything matches what the existing package wrote.
#include <raiiaf/raiiaf.h>
#include <raiiaf/raiiaf.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#ifndef RAIIAF_READ_ONLY
#error "raiiaf::raiiaf of a read-only build must define RAIIAF_READ_ONLY for its consumers"
#endif

namespace {

std::vector<char> read_whole(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool fail(const std::string& vector, const std::string& what) {
    std::cerr << vector << ": " << what << "\n";
    return false;
}

bool reads_as_expected(const std::filesystem::path& vectors, const std::string& name, const std::string& extension) {
    const auto expected_dir = vectors / "expected" / name;
    const auto reader = raiiaf::Reader::open(vectors / (name + extension));

    const std::vector<char> metadata = read_whole(expected_dir / "metadata.json");
    if (reader.manifest() != raiiaf::Json::parse(metadata.begin(), metadata.end()))
        return fail(name, "manifest differs from expected/metadata.json");

    const auto position = reader.find_latent("initial_noise");
    if (!position) return fail(name, "no latent initial_noise");
    const raiiaf::Tensor latent = reader.load_latent(*position);
    // numpy.save's .npy ends with the tensor bytes.
    const std::vector<char> npy = read_whole(expected_dir / "initial_noise.npy");
    const auto bytes = latent.bytes();
    if (bytes.empty() || npy.size() < bytes.size() ||
        !std::equal(bytes.begin(), bytes.end(), reinterpret_cast<const std::byte*>(npy.data() + npy.size() - bytes.size())))
        return fail(name, "initial_noise differs from expected/initial_noise.npy");

    const raiiaf::CheckReport report = reader.verify();
    for (const auto& problem : report.problems) fail(name, problem.message);
    if (!report.ok()) return false;
    std::cout << name << extension << ": " << reader.model_info().model_name << ", " << latent.element_count()
              << " values of initial_noise, verified\n";
    return true;
}

// The C API keeps its writer functions; they say the writer is not built.
bool c_writer_says_not_built() {
    raiiaf_writer* writer = nullptr;
    if (raiiaf_writer_create(&writer) != RAIIAF_OK) return fail("C API", "raiiaf_writer_create failed");
    void* data = nullptr;
    size_t size = 0;
    const raiiaf_result result = raiiaf_writer_encode(writer, nullptr, &data, &size);
    raiiaf_writer_free(writer);
    if (result != RAIIAF_ERR_NOT_BUILT)
        return fail("C API", std::string("raiiaf_writer_encode returned ") + raiiaf_result_name(result));
    std::cout << "raiiaf_writer_encode: " << raiiaf_last_error_message() << "\n";
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: read_only_consumer <tests/data/vectors>\n";
        return 2;
    }
    const std::filesystem::path vectors = argv[1];
    bool ok = reads_as_expected(vectors, "r3_f32_zfp", ".raiiaf");
    ok = reads_as_expected(vectors, "g1_f32_zstd", ".gen5") && ok;
    ok = c_writer_says_not_built() && ok;
    return ok ? 0 : 1;
}
