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
