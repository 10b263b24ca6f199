#include <atomic>
#include <chrono>
#include <thread>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <set>

#include "codecs/shuffle.hpp"
#include "codecs/zfp_codec.hpp"
#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/image.hpp"
#include "format/json_text.hpp"
#include "format/manifest.hpp"
#include "format/sha256.hpp"
#include "io/atomic_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/writer.hpp"

namespace raiiaf {

namespace {

constexpr std::uint64_t kMaxU32 = 0xFFFFFFFFull;
// Measured in bench/: level 1 already reaches the entropy bound on noise (the
// mantissa bytes are random; only the Huffman-coded exponent bytes shrink).
constexpr int kShuffleZstdLevel = 1;
// Below this much payload, threads cost more than they save.
constexpr std::uint64_t kParallelEncodeThreshold = 1u << 20;

// A chunk ready to be written: its record (offset and index still to assign)
// and the pieces whose concatenation is the stored chunk.
struct EncodedChunk {
    ChunkRecord record;
    std::vector<Bytes> pieces;
};

// What the writer has decided, before any byte reaches the output.
struct Plan {
    std::vector<std::byte> header;
    std::vector<EncodedChunk> chunks;
    std::vector<std::byte> manifest;
};

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

// A LATN record that the existing package could not read marks the file version_minor 1.
bool uses_extension(const ChunkRecord& record) {
    if (record.type != kLatentType) return false;
    if (record.flags != "F32" && record.flags != "F16") return true;
    if (record.extra.contains("codec")) return true;
    const auto shape = record.extra.find("shape");
    return shape == record.extra.end() || !shape->is_array() || shape->size() != 4;
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
    record.hash = detail::sha256_hex(payload);
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
        if (frame.size() >= kChunkHeaderSize + payload.size()) {  // incompressible: never store more than raw
            store_raw();
            break;
        }
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
            const Tensor decoded = detail::zfp_decode_tensor(stream, dtype, tensor.shape());
            record.hash = detail::sha256_hex(decoded.bytes());
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
    record.compressed_size = stored_size(chunk);
    return chunk;
}

EncodedChunk encode_image(const ImageInput& image, const WriteOptions& options) {
    require_payload_fits(image.bytes.size(), "image");
    if (!image.extra.is_object()) throw InvalidArgument("the image's extra must be a JSON object");
    EncodedChunk chunk;
    ChunkRecord& record = chunk.record;
    record.type = kImageType;
    record.flags = detail::kPlainChunkFlags;
    record.uncompressed_size = image.bytes.size();
    record.hash = detail::sha256_hex(image.bytes.span());
    record.extra = image.extra;
    try {
        const auto properties = detail::inspect_image(image.bytes.span());
        record.extra["format"] = properties.format;
        record.extra["width"] = properties.width;
        record.extra["height"] = properties.height;
    } catch (const detail::ImageCheckError& e) {
        if (options.validate_image) throw InvalidArgument(std::string("image: ") + e.what());
    }
    // Stored as given: compressing an already compressed image gains nothing.
    record.compressed = false;
    chunk.pieces = {header_bytes(record.type, record.flags, image.bytes.size()), image.bytes};
    record.compressed_size = stored_size(chunk);
    return chunk;
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
    return chunk;
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

std::vector<std::byte> compress_manifest(const Json& document, int level) {
    std::string text;
    try {
        text = detail::dump_python_json(document);
    } catch (const detail::JsonTextError& e) {
        throw InvalidArgument(std::string("metadata: ") + e.what());
    }
    require_payload_fits(text.size(), "manifest");
    const Bytes envelope = header_bytes(kManifestType, detail::kPlainChunkFlags, text.size());
    return detail::zstd_compress({envelope.span(), std::as_bytes(std::span(text.data(), text.size()))}, level);
}

// Latents and the image are independent: hash, check and compress them on
// all cores when there is enough data to pay for the threads.
std::vector<EncodedChunk> encode_payload_chunks(const ArtifactContent& content, const WriteOptions& options) {
    std::vector<std::function<EncodedChunk()>> jobs;
    std::uint64_t total_bytes = 0;
    for (const auto& latent : content.latents) {
        jobs.emplace_back([&latent, &options] { return encode_latent(latent, options); });
        total_bytes += latent.tensor.bytes().size();
    }
    if (content.image) {
        jobs.emplace_back([&content, &options] { return encode_image(*content.image, options); });
        total_bytes += content.image->bytes.size();
    }
    std::vector<EncodedChunk> chunks;
    chunks.reserve(jobs.size());
    const unsigned workers = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), jobs.size());
    if (total_bytes < kParallelEncodeThreshold || workers <= 1) {
        for (const auto& job : jobs) chunks.push_back(job());
        return chunks;
    }
    std::vector<std::optional<EncodedChunk>> results(jobs.size());
    std::vector<std::exception_ptr> errors(jobs.size());
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < jobs.size();) {
            try {
                results[i] = jobs[i]();
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    std::vector<std::jthread> threads;
    for (unsigned t = 1; t < workers; ++t) threads.emplace_back(work);
    work();
    threads.clear();  // joins
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (errors[i]) std::rethrow_exception(errors[i]);
        chunks.push_back(std::move(*results[i]));
    }
    return chunks;
}

Plan make_plan(const ArtifactContent& content, const WriteOptions& options) {
    const Layout layout = options.layout;
    Plan plan;
    std::set<std::string> names;
    const auto claim_name = [&](const std::string& name) {
        if (!names.insert(name).second) throw InvalidArgument("two latents are named \"" + name + "\"");
    };

    for (const auto& latent : content.latents) claim_name(latent.name);
    plan.chunks = encode_payload_chunks(content, options);
    bool has_environment = false;
    for (const auto& stored : content.stored_chunks) {
        if (stored.record.compressed_size != stored.stored.size())
            throw InvalidArgument("stored chunk of type " + stored.record.type + " has " +
                                  std::to_string(stored.stored.size()) + " bytes but its record says " +
                                  std::to_string(stored.record.compressed_size));
        if (stored.record.type == kLatentType) {
            const auto key = stored.record.extra.find("key");
            if (key != stored.record.extra.end() && key->is_string()) claim_name(key->get<std::string>());
        }
        has_environment |= stored.record.type == kEnvType;
        EncodedChunk chunk{stored.record, {stored.stored}};
        if (layout == Layout::gen5) {
            chunk.record.len_header.reset();
            chunk.record.len_data.reset();
        }
        plan.chunks.push_back(std::move(chunk));
    }
    if (!has_environment) plan.chunks.push_back(encode_environment(content.environment.value_or(current_environment())));

    std::uint64_t offset = header_size(layout);
    bool extension = false;
    for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
        ChunkRecord& record = plan.chunks[i].record;
        record.index = static_cast<std::uint32_t>(i);
        record.offset = offset;
        offset += record.compressed_size;
        extension |= uses_extension(record);
    }
    const std::uint64_t table_offset = offset;
    if (table_offset > kMaxU32)
        throw InvalidArgument("the manifest would start at offset " + std::to_string(table_offset) +
                              ", past the 4 GiB the " + std::string(layout_name(layout)) + " header can address");

    ModelInfo model = content.model;
    if (model.date.empty()) model.date = utc_now_iso8601();
    std::vector<ChunkRecord> records;
    for (const auto& chunk : plan.chunks) records.push_back(chunk.record);

    Json file_info = Json::object();
    file_info["magic"] = layout_magic(layout);
    file_info["version_major"] = 1;
    file_info["version_minor"] = extension ? 1 : 0;
    file_info["file_size"] = 0;
    file_info["chunk_count"] = records.size();

    // file_size depends on the manifest's compressed size, which depends on
    // file_size's digits: iterate to the fixed point. Rarely the size
    // oscillates between two values; another compression level then settles it.
    validate_manifest(detail::build_manifest(layout, file_info, model, records));
    bool settled = false;
    for (int level : {3, 4, 5, 2, 6, 1}) {
        std::uint64_t file_size = table_offset;
        for (int round = 0; round < 4 && !settled; ++round) {
            file_info["file_size"] = file_size;
            plan.manifest = compress_manifest(detail::build_manifest(layout, file_info, model, records), level);
            const std::uint64_t actual = table_offset + plan.manifest.size();
            settled = actual == file_size;
            file_size = actual;
        }
        if (settled) break;
    }
    // Unsettled (never seen in practice), file_info.file_size is a few bytes
    // off, which readers tolerate as FORMAT.md allows; the header stays exact.
    if (plan.manifest.size() > kMaxU32) throw InvalidArgument("the manifest exceeds 4 GiB");
    const std::uint64_t total_size = table_offset + plan.manifest.size();
    if (layout == Layout::gen5 && total_size > kMaxU32)
        throw InvalidArgument("a GEN5 file cannot exceed 4 GiB; this one would have " + std::to_string(total_size) +
                              " bytes");

    Header header;
    header.layout = layout;
    header.version_major = 1;
    header.version_minor = extension ? 1 : 0;
    header.chunk_table_offset = static_cast<std::uint32_t>(table_offset);
    header.chunk_table_size = static_cast<std::uint32_t>(plan.manifest.size());
    header.chunk_count = static_cast<std::uint32_t>(records.size());
    header.file_size = total_size;
    plan.header = encode_header(header);
    return plan;
}

void emit(const Plan& plan, const std::function<void(std::span<const std::byte>)>& write) {
    write(plan.header);
    for (const auto& chunk : plan.chunks)
        for (const auto& piece : chunk.pieces) write(piece.span());
    write(plan.manifest);
}

}  // namespace

std::vector<std::byte> encode(const ArtifactContent& content, const WriteOptions& options) {
    const Plan plan = make_plan(content, options);
    std::vector<std::byte> out;
    emit(plan, [&](std::span<const std::byte> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); });
    return out;
}

void write_file(const std::filesystem::path& path, const ArtifactContent& content, const WriteOptions& options) {
    const Plan plan = make_plan(content, options);
    detail::AtomicFile file(path);
    emit(plan, [&](std::span<const std::byte> bytes) { file.write(bytes); });
    file.commit();
}

}  // namespace raiiaf
