#include "format/write_plan.hpp"

#include "env/environment_json.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "codecs/codec_table.hpp"
#include "env/environment_chunk.hpp"
#include "format/chunk.hpp"
#include "format/date.hpp"
#include "format/image.hpp"
#include "format/json_text.hpp"
#include "format/manifest.hpp"
#include "format/parallel_jobs.hpp"
#include "format/sha256.hpp"
#include "raiiaf/codec.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// Below this much to compress, threads cost more than they save.
constexpr std::uint64_t kParallelEncodeThreshold = 1u << 20;

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
    Sha256 hash;
    for (const auto& piece : chunk.pieces) hash.update(piece.span());
    chunk.record.extra[std::string(kStoredDigestKey)] = to_hex(hash.finish());
}

EncodedChunk encode_latent(const LatentInput& input, const WriteOptions& options) {
    if (input.name.empty()) throw InvalidArgument("a latent needs a name");
    Tensor tensor = input.tensor;
    if (tensor.shape().size() > 8)
        throw InvalidArgument("latent \"" + input.name + "\" has rank " + std::to_string(tensor.shape().size()) +
                              "; at most 8 is supported");
    if (options.float16 && dtype_is_float(tensor.dtype()) && tensor.dtype() != DType::float16)
        tensor = convert_dtype(tensor, DType::float16);
    const Codec codec = input.codec.value_or(options.codec);
    const DType dtype = tensor.dtype();
    if (const auto refusal = codec_refusal(codec, options.layout, dtype))
        throw InvalidArgument("latent \"" + input.name + "\": " + *refusal);
    const bool takes_tolerance = codec_info(codec).takes_tolerance;
    if (input.zfp_tolerance && !takes_tolerance)
        throw InvalidArgument("a zfp tolerance was given for latent \"" + input.name + "\" stored with codec " +
                              std::string(codec_name(codec)));
    require_payload_fits(tensor.bytes().size(), "latent \"" + input.name + "\"");

    EncodedChunk chunk;
    ChunkRecord& record = chunk.record;
    record.type = kLatentType;
    record.flags = latent_flags(dtype);
    record.uncompressed_size = tensor.bytes().size();
    Json shape = Json::array();
    for (auto dim : tensor.shape()) shape.push_back(dim);
    record.extra = Json::object();
    record.extra["shape"] = std::move(shape);
    record.extra["dtype"] = dtype_name(dtype);
    record.extra["key"] = input.name;

    const std::optional<double> tolerance =
        takes_tolerance ? (input.zfp_tolerance ? input.zfp_tolerance : options.zfp_tolerance) : std::nullopt;
    EncodedPayload encoded =
        encode_payload(codec, tensor, chunk_header_bytes(record.type, record.flags, record.uncompressed_size), tolerance);
    record.compressed = encoded.compressed();
    // Named unless the existing package reads it unnamed in this layout.
    if (encoded.compressed() && !codec_read_by_existing_package(encoded.codec, options.layout))
        record.extra["codec"] = codec_name(encoded.codec);
    if (encoded.tolerance) record.extra["zfp_tolerance"] = *encoded.tolerance;
    if (encoded.len_header) {
        record.len_header = encoded.len_header;
        record.len_data = encoded.len_data;
    } else if (!encoded.compressed() && options.layout == Layout::raiiaf) {
        record.len_header = kChunkHeaderSize;
        record.len_data = record.uncompressed_size;
    }
    chunk.unhashed = encoded.decoded ? std::move(*encoded.decoded) : tensor.data();
    chunk.pieces = std::move(encoded.pieces);
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
    record.flags = kPlainChunkFlags;
    record.uncompressed_size = image.bytes.size();
    chunk.unhashed = image.bytes;
    chunk.image = &image;
    record.extra = image.extra;
    // Stored as given: compressing an already compressed image gains nothing.
    record.compressed = false;
    chunk.pieces = {chunk_header_bytes(record.type, record.flags, image.bytes.size()), image.bytes};
    record.compressed_size = stored_size(chunk);
    return chunk;
}

Json environment_json(const Environment& env) { return environment_to_json(env); }

// What the caller's JSON must satisfy before anything is built from it: the
// reader's default bounds (a deeper tree would also exhaust the stack of the
// recursive copies and the schema check) and no NaN or Infinity.
void check_caller_json(const ArtifactContent& content) {
    const Limits reader_defaults{};
    const auto check = [&](const Json& value, const std::string& path) {
        try {
            check_json_tree(value, reader_defaults, path);
        } catch (const JsonTextError& e) {
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

// Latents and the image are independent: compress them on all cores when
// there is enough to compress to pay for the threads.
std::vector<EncodedChunk> encode_payload_chunks(const ArtifactContent& content, const WriteOptions& options) {
    std::vector<EncodedChunk> chunks(content.latents.size() + (content.image ? 1 : 0));
    std::vector<std::function<void()>> jobs;
    std::uint64_t to_compress = 0;
    for (std::size_t i = 0; i < content.latents.size(); ++i) {
        const LatentInput& latent = content.latents[i];
        jobs.emplace_back([&chunks, &latent, &options, i] { chunks[i] = encode_latent(latent, options); });
        if (codec_info(latent.codec.value_or(options.codec)).compresses) to_compress += latent.tensor.bytes().size();
    }
    if (content.image) jobs.emplace_back([&] { chunks.back() = encode_image(*content.image); });
    run_jobs(jobs, to_compress < kParallelEncodeThreshold ? 1 : write_threads(options));
    return chunks;
}

}  // namespace

void require_payload_fits(std::uint64_t size, const std::string& what) {
    if (size > kMaxU32)
        throw InvalidArgument(what + " of " + std::to_string(size) +
                              " bytes exceeds what a chunk header's u32 size field can hold");
}

Bytes chunk_header_bytes(std::string_view type, std::string_view flags, std::uint64_t size) {
    return Bytes::copy_of(encode_chunk_header(type, flags, static_cast<std::uint32_t>(size)));
}

void check_image(EncodedChunk& chunk, const WriteOptions& options) {
    try {
        const auto properties = inspect_image(chunk.image->bytes.span());
        chunk.record.extra["format"] = properties.format;
        chunk.record.extra["width"] = properties.width;
        chunk.record.extra["height"] = properties.height;
    } catch (const ImageCheckError& e) {
        if (options.validate_image) throw InvalidArgument(std::string("image: ") + e.what());
    }
}

unsigned write_threads(const WriteOptions& options) noexcept {
    return options.threads == 0 ? core_count() : options.threads;
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

    for (const auto& latent : content.latents) {
        claim_name(latent.name);
        plan.sources.push_back(latent.tensor.bytes());
    }
    if (content.image) plan.sources.push_back(content.image->bytes.span());
    for (const auto& stored : content.stored_chunks) plan.sources.push_back(stored.stored.span());
    plan.chunks = encode_payload_chunks(content, options);
    bool has_environment = false;
    std::optional<Environment> copied_environment;
    for (const auto& stored : content.stored_chunks) {
        // The older gen5.main reader refuses ENVC chunks: GEN5 files keep it in the manifest.
        if (layout == Layout::gen5 && stored.record.type == kEnvType) {
            if (!copied_environment) copied_environment = stored_environment(stored.record, stored.stored.span());
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
    } else {
        // The existing package warns about every ENVC component it does not
        // record itself: ours go to the manifest (docs/FORMAT.md section 8.8).
        // With an ENVC chunk copied as stored (an edit), the manifest keeps
        // the components of `environment` that chunk does not hold.
        const Environment env = has_environment ? content.environment.value_or(Environment{})
                                                : content.environment.value_or(current_environment());
        Environment shared{env.env_version, {}}, ours{env.env_version, {}};
        for (const auto& component : env.components)
            (shared_component_id(component.id) ? shared : ours).components.push_back(component);
        if (!has_environment) {
            EnvironmentChunk chunk = environment_chunk(shared);
            plan.chunks.push_back({std::move(chunk.record), std::move(chunk.pieces), {}, nullptr});
        }
        if (!ours.components.empty()) plan.manifest_environment = environment_json(ours);
    }

    std::uint64_t offset = header_size(layout);
    for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
        ChunkRecord& record = plan.chunks[i].record;
        record.index = static_cast<std::uint32_t>(i);
        record.offset = offset;
        offset += record.compressed_size;
        if (auto unreadable = unreadable_by_existing_package(record)) {
            if (options.compat)
                throw InvalidArgument("compatibility mode: the existing raiiaf/gen5 package cannot read " + *unreadable);
            plan.unreadable.push_back(std::move(*unreadable));
        }
        plan.extension |= record_extension(record).has_value();
    }
    plan.table_offset = offset;
    if (plan.table_offset > kMaxU32)
        throw InvalidArgument("the manifest would start at offset " + std::to_string(plan.table_offset) +
                              ", past the 4 GiB the " + std::string(layout_name(layout)) + " header can address");

    plan.model = content.model;
    if (plan.model.date.empty()) plan.model.date = iso8601_utc(std::chrono::system_clock::now());
    plan.file_info = Json::object();
    plan.file_info["magic"] = layout_magic(layout);
    plan.file_info["version_major"] = 1;
    plan.file_info["version_minor"] = plan.extension ? 1 : 0;
    plan.file_info["file_size"] = 0;
    plan.file_info["chunk_count"] = plan.chunks.size();
    return plan;
}

RAIIAF_DETAIL_NAMESPACE_END
