// Reading artifacts. Opening parses the header and the manifest only; payloads
// are read, decompressed and hash-checked when asked for.
#pragma once

#include "raiiaf/config.hpp"

#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raiiaf/bytes.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/format.hpp"
#include "raiiaf/limits.hpp"
#include "raiiaf/tensor.hpp"

RAIIAF_NAMESPACE_BEGIN

struct ReadOptions {
    Limits limits{};
    // Check each payload when it is loaded: against the fast digest of its
    // stored bytes where the file has one (files of our writer), else its SHA-256.
    bool verify_hashes = true;
    // Also check the SHA-256 where a fast digest exists (what verify does).
    bool verify_sha256 = false;
    // Uncompressed payloads (raw latents, the image) are by default views of
    // the mapped file: zero copy, but live, so a program that rewrites the
    // file in place changes them after their hash was checked. With this set
    // they are copied out first and the copy is what is hash-checked.
    bool copy_payloads = false;
};

struct CheckReport;

// A payload the whole-file check decoded and checked, handed to its caller
// (Reader::verify with a visitor) so that it need not be decoded again.
struct VerifiedPayload {
    std::size_t chunk_index = 0;
    // Decompressed; its SHA-256 (and the digests of its stored bytes) checked.
    // Uncompressed payloads are views of the file unless ReadOptions::copy_payloads.
    Bytes payload;
    // For the ENVC chunk: the environment as Reader::environment() returns it
    // (the chunk's record and the manifest's components), parsed once.
    std::optional<Environment> environment;
};

struct ImageInfo {
    std::size_t chunk_index = 0;
    std::string format;  // "png", "jpeg", "webp" when recorded or recognisable, else ""
    std::optional<std::uint32_t> width;
    std::optional<std::uint32_t> height;
    std::uint64_t size = 0;
};

class Reader {
public:
    // Memory-maps the file.
    static Reader open(const std::filesystem::path& path, const ReadOptions& options = {});
    // Reads from memory the caller hands over (the Reader keeps it alive).
    static Reader from_bytes(Bytes bytes, const ReadOptions& options = {});

    Reader(Reader&&) noexcept;
    Reader& operator=(Reader&&) noexcept;
    ~Reader();

    [[nodiscard]] const Header& header() const noexcept;
    [[nodiscard]] Layout layout() const noexcept;
    [[nodiscard]] std::uint64_t file_size() const noexcept;
    [[nodiscard]] const ModelInfo& model_info() const noexcept;
    [[nodiscard]] const std::vector<ChunkRecord>& chunks() const noexcept;
    // The decoded manifest exactly as stored.
    [[nodiscard]] const Json& manifest() const noexcept;
    [[nodiscard]] const ReadOptions& options() const noexcept;

    [[nodiscard]] const std::vector<LatentInfo>& latents() const noexcept;
    [[nodiscard]] std::optional<std::size_t> find_latent(std::string_view name) const;
    // Raw latents come back as views of the mapped file (zero copy) unless
    // ReadOptions::copy_payloads.
    [[nodiscard]] Tensor load_latent(std::size_t latent_position) const;
    [[nodiscard]] Tensor load_latent(std::string_view name) const;

    [[nodiscard]] std::optional<ImageInfo> image_info() const;
    [[nodiscard]] Bytes load_image() const;  // throws ImageError if the file has none

    // The whole-file check (check_bytes) of this reader's file, on the header
    // and manifest it parsed when opened (they are not parsed again): every
    // hash, SHA-256 included, whatever the ReadOptions. Never throws for bad
    // input; reports it.
    [[nodiscard]] CheckReport verify() const;
    // The same check, handing each chunk's payload to `visit` (in chunk order,
    // once each) as soon as it has passed its checks. A chunk that fails is
    // not handed over, and a report that is not ok() makes every payload
    // handed over suspect (a fault of the mapped file is found only after
    // the reads it spoilt): use them only when the report is ok(). What
    // `visit` throws is not a finding about the file: it ends the check and
    // reaches the caller.
    [[nodiscard]] CheckReport verify(const std::function<void(VerifiedPayload&&)>& visit) const;

    // The ENVC chunk, decoded; nullopt for files written before it existed.
    [[nodiscard]] std::optional<Environment> environment() const;
    // The file's environment against current_environment(); empty without ENVC.
    [[nodiscard]] std::vector<DriftEntry> drift() const;

    // Any chunk's payload (without the 12-byte envelope header), decompressed
    // and checked. For LATN this is the tensor bytes.
    [[nodiscard]] Bytes load_payload(std::size_t chunk_index) const;
    // A chunk exactly as stored in the file (for copying it verbatim).
    [[nodiscard]] Bytes stored_bytes(std::size_t chunk_index) const;
    // stored_bytes, checked without decoding where the file records a digest
    // of the stored bytes (extra.xxh3_128, else extra.stored_sha256; our
    // writer records them): the copy then carries a payload hash that still
    // holds. Otherwise (files of the existing package) an uncompressed chunk's
    // payload SHA-256 is checked on the stored bytes, and only a compressed
    // one is decoded to check it. Throws ChunkError (or IoError).
    [[nodiscard]] Bytes verified_stored_bytes(std::size_t chunk_index) const;

private:
    struct State;
    explicit Reader(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

// What in the file the existing raiiaf/gen5 package cannot read (one line
// each, e.g. `latent "noise": codec shuffle-zstd`, `chunk type XTRA (...)`);
// empty when it reads it all.
[[nodiscard]] std::vector<std::string> extensions_used(const Reader& reader);
// The same for chunk records.
[[nodiscard]] std::vector<std::string> extensions_used(const std::vector<ChunkRecord>& chunks);

// ---- whole-file check ----------------------------------------------------

struct Problem {
    std::exception_ptr error;  // one of the Error subclasses
    std::string message;       // its what()
};

struct CheckReport {
    std::optional<Layout> layout;
    std::size_t chunk_count = 0;
    std::vector<Problem> problems;  // empty: the file is intact
    [[nodiscard]] bool ok() const noexcept { return problems.empty(); }
    // Throws the first problem, if any.
    void throw_if_failed() const;
};

// Header, manifest schema, bounds, overlaps, every chunk's envelope and hash,
// header/manifest consistency. Never throws for bad input; reports it.
[[nodiscard]] CheckReport check_bytes(std::span<const std::byte> bytes, const Limits& limits = {});
// Same for a file; a file that cannot be opened is reported as an IoError problem.
[[nodiscard]] CheckReport check_file(const std::filesystem::path& path, const Limits& limits = {});

RAIIAF_NAMESPACE_END
