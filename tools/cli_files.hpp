// The CLI's file input and output: bounded reads of regular files, JSON
// files, output checks and atomic (optionally non-durable) writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <raiiaf/raiiaf.hpp>

namespace raiiaf_cli {

namespace fs = std::filesystem;
using raiiaf::Json;

// A regular file's bytes (FIFOs, devices and directories are refused), at
// most max_size of them.
raiiaf::Bytes read_input_file(const fs::path& path, std::optional<std::uint64_t> max_size = std::nullopt);
// A regular file mapped (raiiaf::map_file), for inputs stored whole (images):
// no copy, and a file that shrinks meanwhile is never written (Bytes::intact()).
raiiaf::Bytes map_input_file(const fs::path& path);
// What an input that lost pages while mapped (Bytes::intact()) is reported as.
inline constexpr const char* kInputLost =
    "the file could not be read while mapped (it was truncated or the device failed)";
// Fails (as failure()) when a mapped input lost pages since it was mapped.
void require_intact(const fs::path& path, const raiiaf::Bytes& bytes);
// --latent NAME=FILE.npy, NAME=FILE.safetensors or NAME=FILE.safetensors:TENSOR (cmd_create.cpp).
raiiaf::LatentInput read_latent_spec(const std::string& spec);
// --no-fsync, given to a command that writes (main.cpp adds it): its writes
// stay atomic but are not made durable (no fsync of the file and its folder).
bool durable_writes() noexcept;
void set_durable_writes(bool durable) noexcept;
// A JSON file, bounded as the reader bounds manifests (size, depth, keys, values).
Json read_json_file(const fs::path& path);
// Throws CliError (exit 1) when `path` exists and overwriting was not allowed.
void check_output(const fs::path& path, bool force);
// Writes a file atomically (temporary file beside it, fsync, rename).
void write_output_file(const fs::path& path, std::span<const std::byte> bytes);

}  // namespace raiiaf_cli
