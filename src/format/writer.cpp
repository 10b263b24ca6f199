#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "codecs/shuffle.hpp"
#include "codecs/zfp_codec.hpp"
#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/image.hpp"
#include "format/json_text.hpp"
#include "format/manifest.hpp"
#include "format/fast_digest.hpp"
#include "format/sha256.hpp"
#include "io/atomic_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/writer.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {

constexpr std::uint64_t kMaxU32 = 0xFFFFFFFFull;
// Measured in bench/: level 1 already reaches the entropy bound on noise (the
// mantissa bytes are random; only the Huffman-coded exponent bytes shrink).
constexpr int kShuffleZstdLevel = 1;
// Below this much to compress, threads cost more than they save.
constexpr std::uint64_t kParallelEncodeThreshold = 1u << 20;
// Below this much work that a helper thread could take from the writing thread
// (bytes of other payloads to hash, or the equivalent), the helper costs more
// than it saves, more so on a busy machine, where it waits for a core.
constexpr std::uint64_t kHelperThreshold = 256u << 10;
// Raw payloads are written and hashed in blocks of this size, so that the
// hash reads what the write has just brought into the core's cache.
constexpr std::size_t kHashBlock = 256u << 10;
// A placeholder of the digest's form for the schema check, which runs while
// the real digests are being computed: the schema asks only for 64
// lowercase hex digits there, which every digest has.
const std::string kPlaceholderDigest(64, '0');

unsigned core_count() {
    static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());  // reads /sys: once
    return cores;
}

// Runs every job once on up to `threads` threads: the caller takes them from
// the front, in order, helpers from the back, never one of the first
// `caller_only`. A caller whose helpers are slow to get a core (a busy
// machine) runs the jobs itself and waits only for those already started.
// Rethrows the first failure in job order.
void run_jobs(const std::vector<std::function<void()>>& jobs, unsigned threads, std::size_t caller_only = 0) {
    std::vector<std::exception_ptr> errors(jobs.size());
    std::mutex mutex;
    std::size_t front = 0, back = jobs.size();
    const auto work = [&](bool caller) {
        for (;;) {
            std::size_t i = 0;
            {
                std::lock_guard lock(mutex);
                if (front == back || (!caller && back <= caller_only)) return;
                i = caller ? front++ : --back;
            }
            try {
                jobs[i]();
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    {
        std::vector<std::jthread> helpers;
        const std::size_t shared = jobs.size() - std::min(caller_only, jobs.size());
        for (std::size_t t = 0; t + 1 < threads && t < shared; ++t) helpers.emplace_back([&] { work(false); });
        work(true);
    }  // joins
    for (const auto& error : errors)
        if (error) std::rethrow_exception(error);
}

// A chunk ready to be written: its record (offset and index still to assign)
// and the pieces whose concatenation is the stored chunk.
struct EncodedChunk {
    ChunkRecord record;
    std::vector<Bytes> pieces;
    // The payload whose SHA-256 record.hash still needs. Hashing waits until
    // the chunk is written, so that a raw payload is read once for both, and
    // the other chunks are hashed on other cores meanwhile.
    std::optional<Bytes> unhashed;
    // The image, whose check also waits for that stage.
    const ImageInput* image = nullptr;
};

// What the writer has decided before any byte reaches the output: every
// chunk's size and place; their digests and the manifest come while writing.
struct Plan {
    Layout layout = Layout::raiiaf;
    std::vector<EncodedChunk> chunks;
    std::uint64_t table_offset = 0;
    bool extension = false;  // needs version_minor 1
    Json file_info;
    ModelInfo model;
    // GEN5 keeps the environment in its manifest (docs/FORMAT.md section 8.8).
    std::optional<Json> manifest_environment;
};

// Where the file goes: appended in order, then the header put in front.
using Sink = EncodeSink;

Bytes owned(std::vector<std::byte> bytes) { return Bytes(std::move(bytes)); }
Bytes header_bytes(std::string_view type, std::string_view flags, std::uint64_t size) {
    const auto header = detail::encode_chunk_header(type, flags, static_cast<std::uint32_t>(size));
    return Bytes::copy_of(header);
}

void require_payload_fits(std::uint64_t size, const std::string& what) {
    if (size > kMaxU32)
        throw InvalidArgument(what + " of " + std::to_string(size) +
                              " bytes exceeds what a chunk header's u32 size field can hold");
}

std::uint64_t stored_size(const EncodedChunk& chunk) {
    std::uint64_t size = 0;
    for (const auto& piece : chunk.pieces) size += piece.size();
    return size;
}

// A compressed chunk's payload hash cannot see every stored bit: zstd ignores
// a frame-header bit and some encodings decode alike, and zfp drops the values
// that pad partial blocks. Verification checks this digest of the stored bytes.
void record_stored_digest(EncodedChunk& chunk) {
    if (!chunk.record.compressed) return;
    detail::Sha256 hash;
    for (const auto& piece : chunk.pieces) hash.update(piece.span());
    chunk.record.extra[std::string(kStoredDigestKey)] = detail::to_hex(hash.finish());
}

EncodedChunk encode_latent(const LatentInput& input, const WriteOptions& options) {
    if (input.name.empty()) throw InvalidArgument("a latent needs a name");
    Tensor tensor = input.tensor;
    if (tensor.shape().size() > 8)
        throw InvalidArgument("latent \"" + input.name + "\" has rank " + std::to_string(tensor.shape().size()) +
                              "; at most 8 is supported");
    if (options.float16 && dtype_is_float(tensor.dtype()) && tensor.dtype() != DType::float16)
        tensor = convert_dtype(tensor, DType::float16);
    Codec codec = input.codec.value_or(options.codec);
    if (codec == Codec::zfp && options.layout == Layout::gen5)
        throw InvalidArgument("the GEN5 layout cannot hold zfp latents (\"" + input.name + "\"); use zstd or raw");
    if (codec == Codec::zfp && !detail::zfp_can_code(tensor.shape())) codec = Codec::raw;  // nothing to compress

    const DType dtype = tensor.dtype();
    const std::span<const std::byte> payload = tensor.bytes();
    if (input.zfp_tolerance && codec != Codec::zfp)
        throw InvalidArgument("a zfp tolerance was given for latent \"" + input.name + "\" stored with codec " +
                              std::string(codec_name(codec)));
    require_payload_fits(payload.size(), "latent \"" + input.name + "\"");

    EncodedChunk chunk;
    ChunkRecord& record = chunk.record;
    record.type = kLatentType;
    record.flags = detail::latent_flags(dtype);
    record.uncompressed_size = payload.size();
    chunk.unhashed = tensor.data();
    Json shape = Json::array();
    for (auto dim : tensor.shape()) shape.push_back(dim);
    record.extra = Json::object();
    record.extra["shape"] = std::move(shape);
    record.extra["dtype"] = dtype_name(dtype);
    record.extra["key"] = input.name;

    const Bytes envelope = header_bytes(record.type, record.flags, payload.size());
    const auto store_raw = [&] {
        chunk.pieces = {envelope, tensor.data()};
        record.compressed = false;
        if (options.layout == Layout::raiiaf) {
            record.len_header = kChunkHeaderSize;
            record.len_data = payload.size();
        }
    };
    // Our codecs in RAIIAF files are named: its readers take a compressed LATN for zfp.
    const auto mark_extension_codec = [&] {
        if (codec == Codec::shuffle_zstd || options.layout == Layout::raiiaf) record.extra["codec"] = codec_name(codec);
    };
    switch (codec) {
    case Codec::raw:
        store_raw();
        break;
    case Codec::zstd:
        chunk.pieces = {owned(detail::zstd_compress({envelope.span(), payload}))};
        record.compressed = true;
        mark_extension_codec();
        break;
    case Codec::shuffle_zstd: {
        std::vector<std::byte> shuffled(payload.size());
        detail::shuffle_bytes(payload, dtype_size(dtype), shuffled);
        std::vector<std::span<const std::byte>> parts{envelope.span()};
        const std::size_t plane = payload.size() / dtype_size(dtype);
        for (std::size_t b = 0; b < dtype_size(dtype); ++b)
            parts.push_back(std::span<const std::byte>(shuffled).subspan(b * plane, plane));
        auto frame = detail::zstd_compress(parts, kShuffleZstdLevel, /*block_per_part=*/true);
        chunk.pieces = {owned(std::move(frame))};
        record.compressed = true;
        mark_extension_codec();
        break;
    }
    case Codec::zfp: {
        if (!detail::zfp_can_code_dtype(dtype))
            throw InvalidArgument("zfp codes float16, float32 and float64 latents only; \"" + input.name + "\" is " +
                                  std::string(dtype_name(dtype)));
        const std::optional<double> tolerance = input.zfp_tolerance ? input.zfp_tolerance : options.zfp_tolerance;
        if (tolerance && !(*tolerance > 0.0 && std::isfinite(*tolerance)))
            throw InvalidArgument("zfp tolerance must be a positive finite number");
        std::vector<std::byte> stream = detail::zfp_encode_tensor(tensor, tolerance);
        if (tolerance) {
            // Lossy: the stored tensor is what decoding yields, and the hash covers that.
            chunk.unhashed = detail::zfp_decode_tensor(stream, dtype, tensor.shape()).data();
            record.extra["zfp_tolerance"] = *tolerance;
        }
        Bytes header_frame = owned(detail::zstd_compress({envelope.span()}));
        record.compressed = true;
        record.len_header = header_frame.size();
        record.len_data = stream.size();
        chunk.pieces = {std::move(header_frame), owned(std::move(stream))};
        break;
    }
    }
    // Never store more than raw: zfp "lossless" on noise and zstd on random
    // bytes expand. Raw is what every reader reads, and exact.
    if (record.compressed && stored_size(chunk) >= kChunkHeaderSize + payload.size()) {
        record.extra.erase("codec");
        record.extra.erase("zfp_tolerance");
        chunk.unhashed = tensor.data();
        store_raw();
    }
    record.compressed_size = stored_size(chunk);
    record_stored_digest(chunk);
    return chunk;
}

EncodedChunk encode_image(const ImageInput& image) {
    require_payload_fits(image.bytes.size(), "image");
    if (!image.extra.is_object()) throw InvalidArgument("the image's extra must be a JSON object");
    EncodedChunk chunk;
    ChunkRecord& record = chunk.record;
    record.type = kImageType;
    record.flags = detail::kPlainChunkFlags;
    record.uncompressed_size = image.bytes.size();
    chunk.unhashed = image.bytes;
    chunk.image = &image;
    record.extra = image.extra;
    // Stored as given: compressing an already compressed image gains nothing.
    record.compressed = false;
    chunk.pieces = {header_bytes(record.type, record.flags, image.bytes.size()), image.bytes};
    record.compressed_size = stored_size(chunk);
    return chunk;
}

// Adds format, width and height to the image's record; the check reads
// every byte (PNG CRCs), so it runs beside the hashing.
void check_image(EncodedChunk& chunk, const WriteOptions& options) {
    try {
        const auto properties = detail::inspect_image(chunk.image->bytes.span());
        chunk.record.extra["format"] = properties.format;
        chunk.record.extra["width"] = properties.width;
        chunk.record.extra["height"] = properties.height;
    } catch (const detail::ImageCheckError& e) {
        if (options.validate_image) throw InvalidArgument(std::string("image: ") + e.what());
    }
}

EncodedChunk encode_environment(const Environment& env) {
    const std::string text = serialize_environment(env);
    EncodedChunk chunk;
    ChunkRecord& record = chunk.record;
    record.type = kEnvType;
    record.flags = detail::kPlainChunkFlags;
    record.uncompressed_size = text.size();
    const auto payload = std::as_bytes(std::span(text.data(), text.size()));
    record.hash = detail::sha256_hex(payload);
    record.compressed = true;
    const Bytes envelope = header_bytes(record.type, record.flags, text.size());
    chunk.pieces = {owned(detail::zstd_compress({envelope.span(), payload}))};
    record.compressed_size = stored_size(chunk);
    record_stored_digest(chunk);
    return chunk;
}

// Files written by one process carry the same environment (current_environment()
// is cached): so is its chunk, whose JSON text and compression cost as much as
// the rest of a small file.
EncodedChunk environment_chunk(const Environment& env) {
    static std::mutex mutex;
    static std::optional<std::pair<Environment, EncodedChunk>> last;
    std::lock_guard lock(mutex);
    if (!last || last->first != env) last.emplace(env, encode_environment(env));
    return last->second;
}

Json environment_json(const Environment& env) { return Json::parse(serialize_environment(env)); }

// The environment of an ENVC chunk copied from another file.
Environment stored_environment(const StoredChunk& chunk) {
    const ChunkRecord& record = chunk.record;
    const std::uint64_t envelope_size = kChunkHeaderSize + record.uncompressed_size;
    std::vector<std::byte> decompressed;
    std::span<const std::byte> envelope = chunk.stored.span();
    try {
        if (record.compressed) {
            decompressed = detail::zstd_decompress_to_size(envelope, envelope_size);
            envelope = decompressed;
        }
    } catch (const detail::CodecError& e) {
        throw InvalidArgument(std::string("the stored ENVC chunk cannot be decompressed: ") + e.what());
    }
    if (envelope.size() != envelope_size) throw InvalidArgument("the stored ENVC chunk's size does not match its record");
    return parse_environment(envelope.subspan(kChunkHeaderSize));
}

std::string utc_now_iso8601() {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - seconds).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros));
    return text;
}

// Stored, not compressed: no SHA-256 covers the manifest, only the frame's
// checksum, and in a stored frame every bit either is content or breaks the
// frame (docs/FORMAT.md section 4). Manifests are small; compression gains little.
std::vector<std::byte> store_manifest(const Json& document) {
    std::string text;
    try {
        text = detail::dump_python_json(document);
    } catch (const detail::JsonTextError& e) {
        throw InvalidArgument(std::string("metadata: ") + e.what());
    }
    require_payload_fits(text.size(), "manifest");
    // The reader's default bounds, so that no file is written that it refuses.
    const Limits reader_defaults{};
    if (text.size() > reader_defaults.max_manifest_size)
        throw InvalidArgument("readers would refuse the file: its manifest would have " + std::to_string(text.size()) +
                              " bytes, the limit is " + std::to_string(reader_defaults.max_manifest_size));
    try {
        detail::check_json_text(text, reader_defaults);
    } catch (const detail::JsonTextError& e) {
        throw InvalidArgument(std::string("readers would refuse the file's manifest: ") + e.what());
    }
    const Bytes envelope = header_bytes(kManifestType, detail::kPlainChunkFlags, text.size());
    return detail::zstd_store({envelope.span(), std::as_bytes(std::span(text.data(), text.size()))});
}

// Latents and the image are independent: compress them on all cores when
// there is enough to compress to pay for the threads.
std::vector<EncodedChunk> encode_payload_chunks(const ArtifactContent& content, const WriteOptions& options) {
    std::vector<EncodedChunk> chunks(content.latents.size() + (content.image ? 1 : 0));
    std::vector<std::function<void()>> jobs;
    std::uint64_t to_compress = 0;
    for (std::size_t i = 0; i < content.latents.size(); ++i) {
        const LatentInput& latent = content.latents[i];
        jobs.emplace_back([&chunks, &latent, &options, i] { chunks[i] = encode_latent(latent, options); });
        if (latent.codec.value_or(options.codec) != Codec::raw) to_compress += latent.tensor.bytes().size();
    }
    if (content.image) jobs.emplace_back([&] { chunks.back() = encode_image(*content.image); });
    run_jobs(jobs, to_compress < kParallelEncodeThreshold ? 1 : core_count());
    return chunks;
}

std::vector<ChunkRecord> records_of(const Plan& plan, bool placeholder_digests) {
    std::vector<ChunkRecord> records;
    records.reserve(plan.chunks.size());
    for (const auto& chunk : plan.chunks) {
        records.push_back(chunk.record);
        if (placeholder_digests && chunk.unhashed) records.back().hash = kPlaceholderDigest;
        if (placeholder_digests) records.back().extra[std::string(kFastDigestKey)] = std::string(32, '0');
    }
    return records;
}

// What the caller's JSON must satisfy before anything is built from it: the
// reader's default bounds (a deeper tree would also exhaust the stack of the
// recursive copies and the schema check) and no NaN or Infinity.
void check_caller_json(const ArtifactContent& content) {
    const Limits reader_defaults{};
    const auto check = [&](const Json& value, const std::string& path) {
        try {
            detail::check_json_tree(value, reader_defaults, path);
        } catch (const detail::JsonTextError& e) {
            throw InvalidArgument(std::string("readers would refuse the file: ") + e.what());  // names the path
        }
    };
    const ModelInfo& model = content.model;
    if (model.generation_settings) check(*model.generation_settings, "/model_info/generation_settings");
    if (model.hardware_info) check(*model.hardware_info, "/model_info/hardware_info");
    check(model.extra, "/model_info");
    if (content.image) check(content.image->extra, "/image/extra");
    for (const auto& stored : content.stored_chunks) check(stored.record.extra, "/chunks/extra");
    const bool stores_environment = std::any_of(content.stored_chunks.begin(), content.stored_chunks.end(),
                                                [](const StoredChunk& c) { return c.record.type == kEnvType; });
    const std::size_t chunk_count = content.latents.size() + (content.image ? 1 : 0) + content.stored_chunks.size() +
                                    (stores_environment ? 0 : 1);
    if (chunk_count > reader_defaults.max_chunk_count)
        throw InvalidArgument("readers would refuse the file: " + std::to_string(chunk_count) +
                              " chunks (with the environment), the limit is " +
                              std::to_string(reader_defaults.max_chunk_count));
}

Plan make_plan(const ArtifactContent& content, const WriteOptions& options) {
    check_caller_json(content);
    const Layout layout = options.layout;
    Plan plan;
    plan.layout = layout;
    std::set<std::string> names;
    const auto claim_name = [&](const std::string& name) {
        if (!names.insert(name).second) throw InvalidArgument("two latents are named \"" + name + "\"");
    };

    for (const auto& latent : content.latents) claim_name(latent.name);
    plan.chunks = encode_payload_chunks(content, options);
    bool has_environment = false;
    std::optional<Environment> copied_environment;
    for (const auto& stored : content.stored_chunks) {
        // The older gen5.main reader refuses ENVC chunks: GEN5 files keep it in the manifest.
        if (layout == Layout::gen5 && stored.record.type == kEnvType) {
            if (!copied_environment) copied_environment = stored_environment(stored);
            continue;
        }
        if (stored.record.compressed_size != stored.stored.size())
            throw InvalidArgument("stored chunk of type " + stored.record.type + " has " +
                                  std::to_string(stored.stored.size()) + " bytes but its record says " +
                                  std::to_string(stored.record.compressed_size));
        if (stored.record.type == kLatentType) {
            const auto key = stored.record.extra.find("key");
            if (key != stored.record.extra.end() && key->is_string()) claim_name(key->get<std::string>());
        }
        has_environment |= stored.record.type == kEnvType;
        EncodedChunk chunk{stored.record, {stored.stored}, {}, nullptr};
        if (layout == Layout::gen5) {
            chunk.record.len_header.reset();
            chunk.record.len_data.reset();
        }
        plan.chunks.push_back(std::move(chunk));
    }
    if (layout == Layout::gen5) {
        plan.manifest_environment =
            environment_json(copied_environment ? *copied_environment : content.environment.value_or(current_environment()));
    } else if (!has_environment) {
        // The existing package warns about every ENVC component it does not
        // record itself: ours go to the manifest (docs/FORMAT.md section 8.8).
        const Environment env = content.environment.value_or(current_environment());
        Environment shared{env.env_version, {}}, ours{env.env_version, {}};
        for (const auto& component : env.components)
            (shared_component_id(component.id) ? shared : ours).components.push_back(component);
        plan.chunks.push_back(environment_chunk(shared));
        if (!ours.components.empty()) plan.manifest_environment = environment_json(ours);
    }

    std::uint64_t offset = header_size(layout);
    for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
        ChunkRecord& record = plan.chunks[i].record;
        record.index = static_cast<std::uint32_t>(i);
        record.offset = offset;
        offset += record.compressed_size;
        if (options.compat)
            if (const auto unreadable = detail::unreadable_by_existing_package(record))
                throw InvalidArgument("compatibility mode: the existing raiiaf/gen5 package cannot read " + *unreadable);
        plan.extension |= detail::record_extension(record).has_value();
    }
    plan.table_offset = offset;
    if (plan.table_offset > kMaxU32)
        throw InvalidArgument("the manifest would start at offset " + std::to_string(plan.table_offset) +
                              ", past the 4 GiB the " + std::string(layout_name(layout)) + " header can address");

    plan.model = content.model;
    if (plan.model.date.empty()) plan.model.date = utc_now_iso8601();
    plan.file_info = Json::object();
    plan.file_info["magic"] = layout_magic(layout);
    plan.file_info["version_major"] = 1;
    plan.file_info["version_minor"] = plan.extension ? 1 : 0;
    plan.file_info["file_size"] = 0;
    plan.file_info["chunk_count"] = plan.chunks.size();
    return plan;
}

// The digests still to compute (EncodedChunk::unhashed), each by whichever
// thread takes it first.
struct Digests {
    explicit Digests(std::size_t count) : taken(count), hex(count), fast(count) {}
    std::vector<std::atomic<bool>> taken;
    std::vector<std::string> hex;
    std::vector<std::string> fast;  // of the stored bytes, by the writing thread
};

// Appends every chunk. A payload stored as it is (all of them, or only chunk
// `only`), unless another core has taken its hash already, is hashed in the
// same pass, block by block as it is written.
void emit_chunks(const Plan& plan, const Sink& sink, Digests& digests, std::optional<std::size_t> only) {
    for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
        const EncodedChunk& chunk = plan.chunks[i];
        detail::FastDigest fast;
        for (const Bytes& piece : chunk.pieces) {
            const bool is_payload = (!only || *only == i) && chunk.unhashed &&
                                    piece.data() == chunk.unhashed->data() && piece.size() == chunk.unhashed->size();
            const bool hash_here = is_payload && !digests.taken[i].exchange(true);
            detail::Sha256 hash;
            for (std::size_t done = 0; done < piece.size(); done += kHashBlock) {
                const auto block = piece.span().subspan(done, std::min(kHashBlock, piece.size() - done));
                sink.append(block);
                fast.update(block);
                if (hash_here) hash.update(block);
            }
            if (hash_here) digests.hex[i] = detail::to_hex(hash.finish());
        }
        digests.fast[i] = fast.finish_hex();
    }
}

// Writes the header placeholder and the chunks while the digests are computed
// and the image and the manifest's schema are checked (on all cores when
// there is enough to hash), then the manifest and the header.
void write_plan(Plan& plan, const WriteOptions& options, const Sink& sink) {
    const Layout layout = plan.layout;
    sink.append(std::vector<std::byte>(header_size(layout)));

    const std::size_t count = plan.chunks.size();
    Digests digests(count);
    std::vector<std::size_t> to_hash;
    std::uint64_t hash_bytes = 0;
    EncodedChunk* image = nullptr;
    for (std::size_t i = 0; i < count; ++i) {
        const EncodedChunk& chunk = plan.chunks[i];
        if (chunk.unhashed) {
            to_hash.push_back(i);
            hash_bytes += chunk.unhashed->size();
        }
        if (chunk.image) image = &plan.chunks[i];
    }
    std::stable_sort(to_hash.begin(), to_hash.end(), [&](std::size_t a, std::size_t b) {
        return plan.chunks[a].unhashed->size() < plan.chunks[b].unhashed->size();
    });
    // What a helper could take from the writing thread: the hashes but the
    // largest, and the image check (zlib's CRC runs about four times faster
    // than SHA-256).
    const std::uint64_t largest = to_hash.empty() ? 0 : plan.chunks[to_hash.back()].unhashed->size();
    const std::uint64_t movable = hash_bytes - largest + (image ? image->unhashed->size() / 4 : 0);
    const unsigned threads = movable < kHelperThreshold ? 1 : core_count();

    const auto hash_job = [&](std::size_t i) {
        return [&, i] {
            if (!digests.taken[i].exchange(true)) digests.hex[i] = detail::sha256_hex(plan.chunks[i].unhashed->span());
        };
    };
    const auto check = [&] {
        if (image) check_image(*image, options);
        validate_manifest(detail::build_manifest(layout, plan.file_info, plan.model, records_of(plan, true),
                                                 plan.manifest_environment ? &*plan.manifest_environment : nullptr));
    };
    // This thread writes, hashing raw payloads as it writes them: all of them
    // when alone; with helpers, only the largest, which bounds the wall time,
    // and helpers take the other hashes, largest first, and the checks. The
    // largest stays with this thread so that it never waits long for a helper
    // that lost its core (run_jobs).
    std::vector<std::function<void()>> jobs;
    std::optional<std::size_t> only;
    if (threads > 1 && !to_hash.empty()) {
        only = to_hash.back();
        to_hash.pop_back();
    }
    jobs.emplace_back([&] { emit_chunks(plan, sink, digests, only); });
    if (only) jobs.emplace_back(hash_job(*only));  // unless written raw and hashed by then
    const std::size_t caller_only = jobs.size();
    jobs.emplace_back(check);
    for (const std::size_t i : to_hash) jobs.emplace_back(hash_job(i));
    run_jobs(jobs, threads, caller_only);

    std::vector<ChunkRecord> records = records_of(plan, false);
    for (std::size_t i = 0; i < count; ++i) {
        if (plan.chunks[i].unhashed) records[i].hash = std::move(digests.hex[i]);
        records[i].extra[std::string(kFastDigestKey)] = std::move(digests.fast[i]);
    }

    // file_size depends on the manifest's size, which depends on file_size's
    // digits: iterate to the fixed point (the digits change at most once).
    std::vector<std::byte> manifest;
    for (std::uint64_t file_size = plan.table_offset;;) {
        plan.file_info["file_size"] = file_size;
        manifest = store_manifest(detail::build_manifest(layout, plan.file_info, plan.model, records,
                                                         plan.manifest_environment ? &*plan.manifest_environment : nullptr));
        const std::uint64_t actual = plan.table_offset + manifest.size();
        if (actual == file_size) break;
        file_size = actual;
    }
    if (manifest.size() > kMaxU32) throw InvalidArgument("the manifest exceeds 4 GiB");
    const std::uint64_t total_size = plan.table_offset + manifest.size();
    if (layout == Layout::gen5 && total_size > kMaxU32)
        throw InvalidArgument("a GEN5 file cannot exceed 4 GiB; this one would have " + std::to_string(total_size) +
                              " bytes");
    if (total_size > Limits{}.max_file_size)
        throw InvalidArgument("readers would refuse the file: " + std::to_string(total_size) +
                              " bytes, the default limit is " + std::to_string(Limits{}.max_file_size));
    sink.append(manifest);

    Header header;
    header.layout = layout;
    header.version_major = 1;
    header.version_minor = plan.extension ? 1 : 0;
    header.chunk_table_offset = static_cast<std::uint32_t>(plan.table_offset);
    header.chunk_table_size = static_cast<std::uint32_t>(manifest.size());
    header.chunk_count = static_cast<std::uint32_t>(count);
    header.file_size = total_size;
    sink.write_header(encode_header(header));
}

}  // namespace

std::vector<std::byte> encode(const ArtifactContent& content, const WriteOptions& options) {
    Plan plan = make_plan(content, options);
    std::vector<std::byte> out;
    out.reserve(plan.table_offset + 4096 + 512 * plan.chunks.size());  // the manifest: a guess, rarely exceeded
    write_plan(plan, options,
               {[&](std::span<const std::byte> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); },
                [&](std::span<const std::byte> header) { std::memcpy(out.data(), header.data(), header.size()); }});
    return out;
}

void encode_to(const ArtifactContent& content, const WriteOptions& options, const EncodeSink& sink) {
    Plan plan = make_plan(content, options);
    write_plan(plan, options, sink);
}

void write_file(const std::filesystem::path& path, const ArtifactContent& content, const WriteOptions& options) {
    Plan plan = make_plan(content, options);
    detail::AtomicFile file(path);
    write_plan(plan, options, {[&](std::span<const std::byte> bytes) { file.write(bytes); },
                               [&](std::span<const std::byte> header) { file.write_at(0, header); }});
    file.commit(options.durable);
}

void WriteBatch::add(const std::filesystem::path& path, const ArtifactContent& content, const WriteOptions& options) {
    if (files_.size() >= max_open_) commit();
    Plan plan = make_plan(content, options);
    auto file = std::make_unique<AtomicFile>(path);
    write_plan(plan, options, {[&](std::span<const std::byte> bytes) { file->write(bytes); },
                               [&](std::span<const std::byte> header) { file->write_at(0, header); }});
    files_.add(std::move(file));  // only once complete: a failed add leaves nothing
}

void WriteBatch::commit() { files_.commit(); }

RAIIAF_NAMESPACE_END
