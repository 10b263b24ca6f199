// Writing artifacts: deterministic (the date aside), schema-checked, atomic.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "raiiaf/atomic_write.hpp"
#include "raiiaf/bytes.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/schema.hpp"  // validate_manifest, used before writing
#include "raiiaf/tensor.hpp"

RAIIAF_NAMESPACE_BEGIN

struct LatentInput {
    LatentInput() = default;
    LatentInput(std::string name_, Tensor tensor_, std::optional<Codec> codec_ = {},
                std::optional<double> zfp_tolerance_ = {})
        : name(std::move(name_)), tensor(std::move(tensor_)), codec(codec_), zfp_tolerance(zfp_tolerance_) {}

    std::string name;
    Tensor tensor;
    std::optional<Codec> codec;  // default: WriteOptions::codec
    // zfp only: lossy accuracy mode with this absolute error bound (default:
    // WriteOptions::zfp_tolerance; unset means lossless).
    std::optional<double> zfp_tolerance;
};

struct ImageInput {
    Bytes bytes;                  // PNG, JPEG or WebP, stored as given
    Json extra = Json::object();  // the caller's keys; format/width/height are added
};

// A chunk copied from another file exactly as stored (edit, convert, and
// chunk types this library does not know). Its record's index and offset are
// rewritten; everything else is kept.
struct StoredChunk {
    ChunkRecord record;
    Bytes stored;
};

struct ArtifactContent {
    ModelInfo model;
    std::vector<LatentInput> latents;
    std::optional<ImageInput> image;
    std::vector<StoredChunk> stored_chunks;
    // The ENVC written: this environment, or current_environment() when unset.
    // When stored_chunks already holds an ENVC chunk (RAIIAF), only the
    // components of this environment that the manifest keeps beside it
    // (docs/FORMAT.md section 8.8) are used.
    std::optional<Environment> environment;
};

class Reader;

// The content of `reader`'s file for writing it back with other metadata (an
// edit): its model info, and every chunk copied exactly as stored, checked by
// Reader::verified_stored_bytes (not decoded where the file records a digest
// of the stored bytes), with the environment the manifest keeps beside them.
// Change `model` and write it with the reader's layout.
[[nodiscard]] ArtifactContent stored_content(const Reader& reader);

struct WriteOptions {
    Layout layout = Layout::raiiaf;
    Codec codec = Codec::raw;
    bool float16 = false;  // convert float latents to float16 before storing
    std::optional<double> zfp_tolerance{};  // zfp only: lossy with this absolute error bound
    bool validate_image = true;
    // Refuse (InvalidArgument) anything the existing raiiaf/gen5 package
    // cannot read (the [ext] of docs/FORMAT.md), instead of writing version 1.1.
    bool compat = false;
    // fsync the file and its folder before returning (write_file). Off: the
    // file is still replaced atomically, but may be lost or empty after a
    // power failure (scratch output; or a WriteBatch makes it durable).
    bool durable = true;
    // The most threads one write uses (hashing, compressing, checking the
    // image beside the writing); 0: one per core. A caller that writes
    // several files at once, each on a thread of its own, gives 1
    // (WriteBatch::add_all does so): more would only compete for the cores.
    unsigned threads = 0;
};

// What the writer knows about the file it wrote: no need to reopen it.
struct WriteResult {
    Layout layout = Layout::raiiaf;
    std::uint8_t version_major = 1;
    std::uint8_t version_minor = 0;  // 1 when the file uses an extension
    std::size_t chunk_count = 0;
    std::uint64_t file_size = 0;
    // What the existing raiiaf/gen5 package cannot read, as extensions_used()
    // of the file lists it; empty for a file that package reads.
    std::vector<std::string> extensions;
};

// Encodes into memory.
[[nodiscard]] std::vector<std::byte> encode(const ArtifactContent& content,
                                            const WriteOptions& options = {});
[[nodiscard]] std::vector<std::byte> encode(const ArtifactContent& content, const WriteOptions& options,
                                            WriteResult& result);
// Where encode_to() writes: every byte in order through append (zeros in the
// header's place first), then the header, once its fields are known, over the
// first bytes. Lets a caller encode straight into memory of its own.
struct EncodeSink {
    std::function<void(std::span<const std::byte>)> append;
    std::function<void(std::span<const std::byte>)> write_header;
};
WriteResult encode_to(const ArtifactContent& content, const WriteOptions& options, const EncodeSink& sink);
// Writes atomically: a temporary file beside `path`, fsynced, renamed over it.
// On any failure the previous file (if any) is untouched and no temporary
// file remains.
WriteResult write_file(const std::filesystem::path& path, const ArtifactContent& content,
                       const WriteOptions& options = {});

// Writes many files, made durable together: two barriers for the whole batch
// (AtomicBatch) instead of two fsyncs per file. add() encodes and writes a
// file at once, under no target's name; commit() replaces every target.
// Until then no target is touched, and a batch destroyed uncommitted leaves
// nothing behind. WriteOptions::durable is ignored here: commit() is durable.
// One file of WriteBatch::add_all(): where it goes and what it holds (not
// copied; it must outlive the call).
struct FileToWrite {
    std::filesystem::path path;
    const ArtifactContent* content = nullptr;
};

class WriteBatch {
public:
    // Keeps at most this many files open before committing on its own.
    explicit WriteBatch(std::size_t max_open_files = 256) : max_open_(max_open_files) {}
    WriteResult add(const std::filesystem::path& path, const ArtifactContent& content, const WriteOptions& options = {});
    // add() for every file, on up to `threads` threads (0: one per core);
    // the results in the files' order. On a failure no further file is
    // started and the first failure (in the files' order) is thrown once
    // every thread has stopped; files written by then stay pending, as
    // earlier add()s would: commit them or destroy the batch.
    std::vector<WriteResult> add_all(std::span<const FileToWrite> files, const WriteOptions& options = {},
                                     unsigned threads = 0);
    void commit();
    [[nodiscard]] std::size_t pending() const noexcept { return files_.size(); }

private:
    void keep(std::unique_ptr<AtomicFile> written);

    AtomicBatch files_;
    std::size_t max_open_;
};

RAIIAF_NAMESPACE_END
