#include <algorithm>
#include <atomic>
#include <cstring>

#include "codecs/codec_table.hpp"
#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/header_fields.hpp"
#include "format/json_text.hpp"
#include "format/manifest.hpp"
#include "format/fast_digest.hpp"
#include "format/sha256.hpp"
#include "image/embed.hpp"
#include "io/mapped_file.hpp"
#include "raiiaf/codec.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/schema.hpp"

RAIIAF_NAMESPACE_BEGIN

using detail::throw_chunk_error;

struct Reader::State {
    std::span<const std::byte> file;
    std::shared_ptr<const void> keepalive;
    std::shared_ptr<const detail::MappedFile> mapping;  // null for from_bytes
    ReadOptions options;
    Header header;
    detail::ParsedManifest manifest;
    std::vector<LatentInfo> latents;


    [[nodiscard]] ErrorLocation location(std::size_t index) const {
        const ChunkRecord& record = manifest.chunks[index];
        return {.chunk_index = index, .chunk_type = record.type, .offset = record.offset, .json_path = ""};
    }
    [[nodiscard]] std::span<const std::byte> stored(std::size_t index) const {
        const ChunkRecord& record = manifest.chunks[index];
        return file.subspan(record.offset, record.compressed_size);
    }
    // The budget is per load: a long-lived reader (a server, a Python
    // session) can load each payload as often as it likes.
    void charge_decompression(std::uint64_t& total, std::uint64_t bytes, const ErrorLocation& where) const {
        total += bytes;
        if (total > options.limits.max_decompressed_total)
            throw_chunk_error("decompressed data exceeds the limit of " +
                                  std::to_string(options.limits.max_decompressed_total) + " bytes",
                              where);
    }
    // A page of the mapped file that could not be read (truncated, failing
    // disk) reads as zeros: whatever was computed from it is an IoError.
    void throw_if_unreadable() const {
        if (mapping) mapping->throw_if_faulted();
    }
    // How a payload is loaded: as the reader's options say, or (verify) with
    // every digest checked and an uncompressed payload viewed, not copied
    // (it is only hashed).
    struct HashCheck {
        bool hashes;
        bool sha256;
        bool copy;
    };
    [[nodiscard]] HashCheck default_check() const {
        return {options.verify_hashes, options.verify_sha256, options.copy_payloads};
    }

    // Header, manifest and chunk bounds: everything that needs no payload.
    void parse_structure();
    void check_envelope(std::span<const std::byte, kChunkHeaderSize> bytes, std::size_t index) const;
    [[nodiscard]] Bytes payload(std::size_t index) const { return payload(index, default_check()); }
    [[nodiscard]] Bytes payload(std::size_t index, HashCheck check) const;
    [[nodiscard]] Bytes decode_payload(std::size_t index, HashCheck check) const;
    void check_hash(std::size_t index, std::span<const std::byte> payload) const;
    // True when the record has a fast digest and the stored bytes match it.
    [[nodiscard]] bool check_fast_digest(std::size_t index) const;
    // True when the record has extra.stored_sha256 and the stored bytes match it.
    [[nodiscard]] bool check_stored_sha256(std::size_t index) const;
    // The ENVC payload of chunk `index` parsed, with the components the
    // manifest keeps (`in_manifest`) after the chunk's own.
    [[nodiscard]] Environment chunk_environment(std::size_t index, std::span<const std::byte> payload,
                                                const std::optional<Environment>& in_manifest) const;
};

namespace {

bool is_lower_hex_sha256(const std::string& text) {
    return text.size() == 64 &&
           std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

// Header, manifest and chunk bounds: everything that needs no payload.
void Reader::State::parse_structure() {
    const auto& limits = options.limits;
    if (file.size() > limits.max_file_size)
        throw CorruptHeader("file of " + std::to_string(file.size()) + " bytes exceeds the limit of " +
                            std::to_string(limits.max_file_size));
    header = parse_header(file);
    const Layout layout = header.layout;
    const std::size_t header_bytes = header_size(layout);
    const auto& fields = detail::header_fields(layout);
    if (header.file_size != file.size())
        throw CorruptHeader("header says the file has " + std::to_string(header.file_size) + " bytes but it has " +
                                std::to_string(file.size()) + (header.file_size > file.size() ? " (truncated)" : ""),
                            ErrorLocation::at_offset(fields.file_size.offset));

    const std::uint64_t table_offset = header.chunk_table_offset;
    const std::uint64_t table_size = header.chunk_table_size;
    const ErrorLocation table_location = ErrorLocation{std::nullopt, std::string(kManifestType), table_offset, {}};
    if (table_offset < header_bytes || table_size == 0 || table_offset + table_size > file.size())
        throw CorruptHeader("manifest of " + std::to_string(table_size) + " bytes at offset " +
                                std::to_string(table_offset) + " lies outside the file",
                            ErrorLocation::at_offset(fields.chunk_table_offset.offset));

    std::vector<std::byte> table;
    try {
        table = detail::zstd_decompress_bounded(file.subspan(table_offset, table_size),
                                                limits.max_manifest_size + kChunkHeaderSize);
    } catch (const detail::CodecError& e) {
        throw MetadataError(std::string("manifest cannot be decompressed: ") + e.what(), table_location);
    }
    if (table.size() < kChunkHeaderSize) throw MetadataError("manifest is shorter than its chunk header", table_location);
    const auto envelope = detail::decode_chunk_header(std::span<const std::byte, kChunkHeaderSize>(table.data(), kChunkHeaderSize));
    if (envelope.type != kManifestType)
        throw MetadataError("manifest chunk has type \"" + envelope.type + "\", expected META", table_location);
    if (envelope.size != table.size() - kChunkHeaderSize)
        throw MetadataError("manifest chunk header says " + std::to_string(envelope.size) + " bytes, holds " +
                                std::to_string(table.size() - kChunkHeaderSize),
                            table_location);

    const std::string_view text(reinterpret_cast<const char*>(table.data()) + kChunkHeaderSize, envelope.size);
    Json document;
    try {
        document = detail::parse_json(text, limits);
    } catch (const detail::JsonTextError& e) {
        throw MetadataError(e.what(), table_location);
    }
    manifest = detail::parse_manifest(std::move(document), layout);
    const auto& chunks = manifest.chunks;

    if (chunks.size() > limits.max_chunk_count)
        throw MetadataError("manifest lists " + std::to_string(chunks.size()) + " chunks, the limit is " +
                            std::to_string(limits.max_chunk_count));
    if (header.chunk_count != chunks.size())
        throw CorruptHeader("header says " + std::to_string(header.chunk_count) + " chunks, the manifest lists " +
                                std::to_string(chunks.size()),
                            ErrorLocation::at_offset(fields.chunk_count.offset));

    // Every chunk inside the file, clear of the header, the manifest and each other.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> extents;  // [begin, end)
    extents.emplace_back(0, header_bytes);
    extents.emplace_back(table_offset, table_offset + table_size);
    const std::string base = "/" + std::string(metadata_key(layout)) + "/chunks/";
    for (const ChunkRecord& record : chunks) {
        const auto fail = [&](const std::string& what, const char* key) {
            throw MetadataError(what, {.chunk_index = record.index, .chunk_type = record.type, .offset = record.offset,
                                       .json_path = base + std::to_string(record.index) + "/" + key});
        };
        if (record.offset > file.size() || record.compressed_size > file.size() - record.offset)
            fail("chunk of " + std::to_string(record.compressed_size) + " bytes runs past the end of the file", "offset");
        if (record.compressed_size > limits.max_chunk_size || record.uncompressed_size > limits.max_chunk_size)
            fail("chunk exceeds the size limit of " + std::to_string(limits.max_chunk_size) + " bytes", "uncompressed_size");
        if (record.uncompressed_size > 0xFFFFFFFFull)
            fail("payload size does not fit the chunk header", "uncompressed_size");
        if (!record.compressed && record.compressed_size != kChunkHeaderSize + record.uncompressed_size)
            fail("uncompressed chunk must hold 12 + uncompressed_size bytes", "compressed_size");
        if (!is_lower_hex_sha256(record.hash)) fail("hash is not a lowercase hex SHA-256", "hash");
        if (const auto fast = record.extra.find(std::string(kFastDigestKey));
            fast != record.extra.end() && (!fast->is_string() || !detail::is_fast_digest_hex(fast->get<std::string>())))
            fail("extra." + std::string(kFastDigestKey) + " is not 32 lowercase hex digits", "extra");
        extents.emplace_back(record.offset, record.offset + record.compressed_size);
    }
    std::sort(extents.begin(), extents.end());
    for (std::size_t i = 1; i < extents.size(); ++i) {
        if (extents[i].first < extents[i - 1].second && extents[i].second > extents[i].first) {
            // Name the chunk that starts inside another region.
            const auto overlapping = std::find_if(chunks.begin(), chunks.end(), [&](const ChunkRecord& r) {
                return r.offset == extents[i].first && r.offset + r.compressed_size == extents[i].second;
            });
            ErrorLocation where = ErrorLocation::at_offset(extents[i].first);
            if (overlapping != chunks.end()) {
                where.chunk_index = overlapping->index;
                where.chunk_type = overlapping->type;
            }
            throw MetadataError("chunk overlaps the header, the manifest or another chunk", where);
        }
    }

    std::size_t position = 0;
    for (const ChunkRecord& record : chunks) {
        if (record.type != kLatentType) continue;
        LatentInfo info = detail::latent_info(record, layout, position++, limits);
        if (info.codec == Codec::zfp) {
            if (!record.len_header || !record.len_data || *record.len_header == 0 ||
                *record.len_header > record.compressed_size ||
                *record.len_data != record.compressed_size - *record.len_header)
                throw MetadataError("zfp chunk's len_header + len_data must equal compressed_size",
                                    location(record.index));
            if (const auto refusal = codec_refusal(info.codec, layout, info.dtype))
                throw MetadataError(*refusal, location(record.index));
        }
        latents.push_back(std::move(info));
    }
}

void Reader::State::check_envelope(std::span<const std::byte, kChunkHeaderSize> bytes, std::size_t index) const {
    const ChunkRecord& record = manifest.chunks[index];
    const auto envelope = detail::decode_chunk_header(bytes);
    const auto where = location(index);
    if (envelope.type != record.type)
        throw_chunk_error("chunk header says type \"" + envelope.type + "\", the manifest \"" + record.type + "\"", where);
    if (envelope.flags != record.flags)
        throw_chunk_error("chunk header says flags \"" + envelope.flags + "\", the manifest \"" + record.flags + "\"", where);
    if (envelope.size != record.uncompressed_size)
        throw_chunk_error("chunk header says " + std::to_string(envelope.size) + " payload bytes, the manifest " +
                              std::to_string(record.uncompressed_size),
                          where);
}

bool Reader::State::check_fast_digest(std::size_t index) const {
    const ChunkRecord& record = manifest.chunks[index];
    const auto fast = record.extra.find(std::string(kFastDigestKey));
    if (fast == record.extra.end()) return false;
    if (detail::fast_digest_hex(stored(index)) != fast->get_ref<const std::string&>())
        throw_chunk_error("XXH3-128 of the stored bytes does not match extra." + std::string(kFastDigestKey),
                          location(index));
    return true;
}

bool Reader::State::check_stored_sha256(std::size_t index) const {
    const ChunkRecord& record = manifest.chunks[index];
    const auto digest = record.extra.find(std::string(kStoredDigestKey));
    if (digest == record.extra.end()) return false;
    if (!digest->is_string() || digest->get_ref<const std::string&>() != detail::sha256_hex(stored(index)))
        throw_chunk_error("SHA-256 of the stored bytes does not match extra." + std::string(kStoredDigestKey),
                          ErrorLocation::at_chunk(index, record.type, record.offset));
    return true;
}

void Reader::State::check_hash(std::size_t index, std::span<const std::byte> payload) const {
    if (detail::sha256_hex(payload) != manifest.chunks[index].hash)
        throw_chunk_error("SHA-256 of the payload does not match the manifest", location(index));
}

Bytes Reader::State::payload(std::size_t index, HashCheck check) const {
    throw_if_unreadable();
    try {
        Bytes result = decode_payload(index, check);
        throw_if_unreadable();
        return result;
    } catch (const IoError&) {
        throw;
    } catch (...) {
        throw_if_unreadable();  // the zeros, not the file, made it fail
        throw;
    }
}

Bytes Reader::State::decode_payload(std::size_t index, HashCheck check) const {
    const ChunkRecord& record = manifest.chunks[index];
    const auto where = location(index);
    // Stored bytes first: the decoders then only ever see checked input.
    const bool fast_checked = check.hashes && check_fast_digest(index);
    const auto latent = std::find_if(latents.begin(), latents.end(),
                                     [&](const LatentInfo& info) { return info.chunk_index == index; });
    detail::DecodeRequest request{.stored = stored(index),
                                  .keepalive = keepalive,
                                  .copy = check.copy,
                                  .payload_size = record.uncompressed_size,
                                  .dtype = DType::uint8,
                                  .shape = {},
                                  .len_header = record.len_header,
                                  .check_envelope = [&](std::span<const std::byte, kChunkHeaderSize> envelope) {
                                      check_envelope(envelope, index);
                                  },
                                  .charge = [&, decompressed = std::uint64_t{0}](std::uint64_t bytes) mutable {
                                      charge_decompression(decompressed, bytes, where);
                                  }};
    if (latent != latents.end()) {
        request.dtype = latent->dtype;
        request.shape = latent->shape;
    }
    Bytes result;
    try {
        result = detail::decode_payload(latent != latents.end() ? latent->codec : chunk_codec(record, header.layout), request);
    } catch (const detail::CodecError& e) {
        throw_chunk_error(e.what(), where);
    }
    if (check.hashes && (!fast_checked || check.sha256)) check_hash(index, result.span());
    return result;
}

Reader::Reader(std::unique_ptr<State> state) : state_(std::move(state)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

Reader Reader::open(const std::filesystem::path& path, const ReadOptions& options) {
    auto mapping = detail::MappedFile::open(path);
    auto state = std::make_unique<State>();
    state->mapping = mapping;
    state->options = options;
    try {
        // An exported image holds the artifact as ancillary data: read it out.
        Bytes bytes = detail::unwrap_embedded_artifact(Bytes(mapping->bytes(), mapping), options.limits);
        state->file = bytes.span();
        state->keepalive = bytes.keepalive();
        state->parse_structure();
    } catch (...) {
        state->throw_if_unreadable();
        throw;
    }
    state->throw_if_unreadable();
    return Reader(std::move(state));
}

Reader Reader::from_bytes(Bytes bytes, const ReadOptions& options) {
    bytes = detail::unwrap_embedded_artifact(std::move(bytes), options.limits);  // an exported image
    auto state = std::make_unique<State>();
    state->file = bytes.span();
    state->keepalive = bytes.keepalive();
    state->options = options;
    state->parse_structure();
    return Reader(std::move(state));
}

const Header& Reader::header() const noexcept { return state_->header; }
Layout Reader::layout() const noexcept { return state_->header.layout; }
std::uint64_t Reader::file_size() const noexcept { return state_->file.size(); }
const ModelInfo& Reader::model_info() const noexcept { return state_->manifest.model; }
const std::vector<ChunkRecord>& Reader::chunks() const noexcept { return state_->manifest.chunks; }
const Json& Reader::manifest() const noexcept { return state_->manifest.document; }
const ReadOptions& Reader::options() const noexcept { return state_->options; }
const std::vector<LatentInfo>& Reader::latents() const noexcept { return state_->latents; }

std::optional<std::size_t> Reader::find_latent(std::string_view name) const {
    for (std::size_t i = 0; i < state_->latents.size(); ++i)
        if (state_->latents[i].name == name) return i;
    return std::nullopt;
}

Tensor Reader::load_latent(std::size_t latent_position) const {
    if (latent_position >= state_->latents.size())
        throw InvalidArgument("latent " + std::to_string(latent_position) + " does not exist; the file has " +
                              std::to_string(state_->latents.size()));
    const LatentInfo& info = state_->latents[latent_position];
    return Tensor(info.dtype, info.shape, state_->payload(info.chunk_index));
}

Tensor Reader::load_latent(std::string_view name) const {
    const auto position = find_latent(name);
    if (!position) throw InvalidArgument("the file has no latent named \"" + std::string(name) + "\"");
    return load_latent(*position);
}

namespace {
std::optional<std::size_t> first_chunk_of_type(const std::vector<ChunkRecord>& chunks, std::string_view type) {
    for (const auto& record : chunks)
        if (record.type == type) return record.index;
    return std::nullopt;
}

}  // namespace

std::optional<ImageInfo> Reader::image_info() const {
    const auto index = first_chunk_of_type(chunks(), kImageType);
    if (!index) return std::nullopt;
    const ChunkRecord& record = chunks()[*index];
    ImageInfo info;
    info.chunk_index = *index;
    info.size = record.uncompressed_size;
    const auto& extra = record.extra;
    if (auto it = extra.find("format"); it != extra.end() && it->is_string()) info.format = it->get<std::string>();
    if (auto it = extra.find("width"); it != extra.end() && it->is_number_unsigned() && it->get<std::uint64_t>() <= UINT32_MAX)
        info.width = it->get<std::uint32_t>();
    if (auto it = extra.find("height"); it != extra.end() && it->is_number_unsigned() && it->get<std::uint64_t>() <= UINT32_MAX)
        info.height = it->get<std::uint32_t>();
    return info;
}

Bytes Reader::load_image() const {
    const auto index = first_chunk_of_type(chunks(), kImageType);
    if (!index) throw ImageError("the file has no image chunk");
    return state_->payload(*index);
}

Environment Reader::State::chunk_environment(std::size_t index, std::span<const std::byte> payload,
                                             const std::optional<Environment>& in_manifest) const {
    Environment env;
    try {
        env = parse_environment(payload, options.limits);
    } catch (const EnvChunkError& e) {
        throw EnvChunkError(e.reason(), location(index));
    }
    if (in_manifest)
        env.components.insert(env.components.end(), in_manifest->components.begin(), in_manifest->components.end());
    return env;
}

std::optional<Environment> Reader::environment() const {
    // The ENVC chunk, then the components the manifest keeps (all of them in
    // GEN5; in RAIIAF those the existing package does not record).
    std::optional<Environment> in_manifest = detail::manifest_environment(manifest(), layout());
    const auto index = first_chunk_of_type(chunks(), kEnvType);
    if (!index) return in_manifest;
    return state_->chunk_environment(*index, state_->payload(*index).span(), in_manifest);
}

std::vector<DriftEntry> Reader::drift() const {
    const auto env = environment();
    if (!env) return {};
    return compare_environments(*env, current_environment());
}

Bytes Reader::load_payload(std::size_t chunk_index) const {
    if (chunk_index >= chunks().size())
        throw InvalidArgument("chunk " + std::to_string(chunk_index) + " does not exist");
    return state_->payload(chunk_index);
}

Bytes Reader::stored_bytes(std::size_t chunk_index) const {
    if (chunk_index >= chunks().size())
        throw InvalidArgument("chunk " + std::to_string(chunk_index) + " does not exist");
    state_->throw_if_unreadable();
    return Bytes(state_->stored(chunk_index), state_->keepalive);
}

Bytes Reader::verified_stored_bytes(std::size_t chunk_index) const {
    if (chunk_index >= chunks().size())
        throw InvalidArgument("chunk " + std::to_string(chunk_index) + " does not exist");
    const State& state = *state_;
    const ChunkRecord& record = chunks()[chunk_index];
    state.throw_if_unreadable();
    try {
        if (!record.compressed) state.check_envelope(state.stored(chunk_index).first<kChunkHeaderSize>(), chunk_index);
        if (state.check_fast_digest(chunk_index) || state.check_stored_sha256(chunk_index)) {
            // the stored bytes are the ones written: the payload's SHA-256 still holds
        } else if (!record.compressed) {
            state.check_hash(chunk_index, state.stored(chunk_index).subspan(kChunkHeaderSize));
        } else {
            // No digest of the stored bytes (files of the existing package): only decoding can check them.
            (void)state.payload(chunk_index, {.hashes = true, .sha256 = true, .copy = false});
        }
    } catch (const IoError&) {
        throw;
    } catch (...) {
        state.throw_if_unreadable();  // the zeros, not the file, made it fail
        throw;
    }
    state.throw_if_unreadable();
    return Bytes(state.stored(chunk_index), state.keepalive);
}

std::vector<std::string> extensions_used(const Reader& reader) { return extensions_used(reader.chunks()); }

std::vector<std::string> extensions_used(const std::vector<ChunkRecord>& chunks) {
    std::vector<std::string> extensions;
    for (const auto& record : chunks)
        if (auto extension = detail::unreadable_by_existing_package(record)) extensions.push_back(std::move(*extension));
    return extensions;
}

// ---- whole-file check -------------------------------------------------------

void CheckReport::throw_if_failed() const {
    if (!problems.empty()) std::rethrow_exception(problems.front().error);
}

namespace {
void record_problem(CheckReport& report) {
    try {
        throw;
    } catch (const Error& e) {
        report.problems.push_back({std::current_exception(), e.what()});
    } catch (const std::exception& e) {  // out of memory and the like: still a failed check
        report.problems.push_back({std::make_exception_ptr(DecodeError(e.what())), e.what()});
    }
}
}  // namespace

CheckReport check_bytes(std::span<const std::byte> bytes, const Limits& limits) {
    try {
        return Reader::from_bytes(Bytes::borrowed(bytes), {.limits = limits}).verify();
    } catch (...) {
        CheckReport report;
        record_problem(report);
        return report;
    }
}

CheckReport check_file(const std::filesystem::path& path, const Limits& limits) {
    try {
        return Reader::open(path, {.limits = limits}).verify();
    } catch (...) {
        CheckReport report;
        record_problem(report);
        return report;
    }
}

CheckReport Reader::verify() const { return verify({}); }

// Everything open() has not checked yet, on the structure it parsed.
CheckReport Reader::verify(const std::function<void(VerifiedPayload&&)>& visit) const {
    const State& state = *state_;
    CheckReport report;
    report.layout = layout();
    report.chunk_count = chunks().size();

    try {
        validate_manifest(manifest());
    } catch (const InvalidArgument& e) {
        report.problems.push_back({std::make_exception_ptr(MetadataError(e.reason(), e.where())),
                                   MetadataError(e.reason(), e.where()).what()});
    }
    const Json& file_info = manifest()[std::string(metadata_key(layout()))]["file_info"];
    try {
        const auto magic = file_info.find("magic");
        if (magic == file_info.end() || *magic != layout_magic(layout()))
            throw MetadataError("file_info.magic does not match the header's magic");
        const auto count = file_info.find("chunk_count");
        if (count == file_info.end() || *count != chunks().size())
            throw MetadataError("file_info.chunk_count does not match the number of chunks");
    } catch (...) {
        record_problem(report);
    }

    std::optional<Environment> in_manifest;
    try {
        in_manifest = detail::manifest_environment(manifest(), layout());
    } catch (...) {
        record_problem(report);
    }

    // A payload is copied only when it is handed over and the options ask
    // for copies; verify alone only hashes it.
    const bool copy = visit && state.options.copy_payloads;
    for (std::size_t i = 0; i < chunks().size(); ++i) {
        VerifiedPayload verified{.chunk_index = i, .payload = {}, .environment = std::nullopt};
        try {
            state.throw_if_unreadable();
            (void)state.check_stored_sha256(i);
            verified.payload = state.payload(i, {.hashes = true, .sha256 = true, .copy = copy});
            if (chunks()[i].type == kEnvType)
                verified.environment = state.chunk_environment(i, verified.payload.span(), in_manifest);
        } catch (...) {
            record_problem(report);
            continue;
        }
        if (visit) visit(std::move(verified));
    }
    if (state.mapping && state.mapping->faulted()) {  // every finding after the fault is about zeros
        report.problems.clear();
        try {
            state.throw_if_unreadable();
        } catch (...) {
            record_problem(report);
        }
    }
    return report;
}

RAIIAF_NAMESPACE_END
