// The ENVC chunk as the writer stores it, and the environment of a stored one.
#pragma once

#include "raiiaf/config.hpp"

#include <span>
#include <vector>

#include "raiiaf/bytes.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/format.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

struct EnvironmentChunk {
    ChunkRecord record;  // index and offset still to assign
    std::vector<Bytes> pieces;
};

// The chunk of `env`: a zstd frame of its envelope, as the existing package
// writes it. Files written by one process carry the same environment
// (current_environment() is cached), so the last chunk is kept: its JSON text
// and compression cost as much as the rest of a small file.
[[nodiscard]] EnvironmentChunk environment_chunk(const Environment& env);

// The environment of an ENVC chunk copied from another file (its record and
// stored bytes). Throws InvalidArgument when they do not decode.
[[nodiscard]] Environment stored_environment(const ChunkRecord& record, std::span<const std::byte> stored);

RAIIAF_DETAIL_NAMESPACE_END
