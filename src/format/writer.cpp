// The writer: plan (write_plan.cpp), then emit the chunks while their digests
// are computed, then the manifest (built, checked and serialised once) and
// the header.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "codecs/zstd_codec.hpp"
#include "format/chunk.hpp"
#include "format/fast_digest.hpp"
#include "format/json_text.hpp"
#include "format/manifest.hpp"
#include "format/parallel_jobs.hpp"
#include "format/sha256.hpp"
#include "format/write_plan.hpp"
#include "io/atomic_file.hpp"
#include "io/mapped_file.hpp"
#include "raiiaf/errors.hpp"
#include "raiiaf/writer.hpp"

RAIIAF_NAMESPACE_BEGIN

namespace {

using detail::EncodedChunk;
using detail::kMaxU32;
using detail::Plan;

// Below this much work that a helper thread could take from the writing thread
// (bytes of other payloads to hash, or the equivalent), the helper costs more
// than it saves, more so on a busy machine, where it waits for a core.
constexpr std::uint64_t kHelperThreshold = 256u << 10;
// Raw payloads are written and hashed in blocks of this size, so that the
// hash reads what the write has just brought into the core's cache.
constexpr std::size_t kHashBlock = 256u << 10;

// Where the file goes: appended in order, then the header put in front.
using Sink = EncodeSink;

// The digests still to compute (EncodedChunk::unhashed), each by whichever
// thread takes it first.
struct Digests {
    explicit Digests(std::size_t count) : taken(count), hex(count), fast(count) {}
    std::vector<std::atomic<bool>> taken;
    std::vector<std::string> hex;
    std::vector<std::string> fast;  // of the stored bytes, by the writing thread
};

// Appends every chunk. A payload stored as it is that this thread may hash
// (`hash_while_writing`), unless another core has taken its hash already, is
// hashed in the same pass, block by block as it is written.
void emit_chunks(const Plan& plan, const Sink& sink, Digests& digests, const std::vector<bool>& hash_while_writing) {
    for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
        const EncodedChunk& chunk = plan.chunks[i];
        detail::FastDigest fast;
        for (const Bytes& piece : chunk.pieces) {
            const bool is_payload = hash_while_writing[i] && chunk.unhashed &&
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
// and the image is checked (on all cores when there is enough to hash), then
// puts the digests into the records. `writes_cost` says that appending costs
// about as much as hashing (a file: the kernel's copy into the page cache,
// 4-5 GB/s here) rather than a memcpy: the writing thread then leaves every
// hash to the helpers.
void emit_with_digests(Plan& plan, const WriteOptions& options, const Sink& sink, bool writes_cost) {
    sink.append(std::vector<std::byte>(header_size(plan.layout)));

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
    // What a helper could take from the writing thread: the hashes (but the
    // largest, unless writing costs) and the image check (zlib's CRC runs
    // about four times faster than SHA-256).
    const std::uint64_t largest = to_hash.empty() ? 0 : plan.chunks[to_hash.back()].unhashed->size();
    const std::uint64_t movable =
        hash_bytes - (writes_cost ? 0 : largest) + (image ? image->unhashed->size() / 4 : 0);
    const unsigned threads = movable < kHelperThreshold ? 1 : detail::write_threads(options);

    const auto hash_job = [&](std::size_t i) {
        return [&, i] {
            if (!digests.taken[i].exchange(true)) digests.hex[i] = detail::sha256_hex(plan.chunks[i].unhashed->span());
        };
    };
    // This thread writes, hashing raw payloads as it writes them: all of them
    // when alone. With helpers, they take the hashes, largest first, and the
    // image check, and this thread writes and then does what no helper has
    // started (run_jobs). Unless writing costs, this thread keeps the largest
    // hash, which bounds the wall time, so that it never waits long for a
    // helper that lost its core.
    std::vector<bool> hash_while_writing(count, threads == 1);
    std::vector<std::function<void()>> jobs;
    std::optional<std::size_t> kept;
    if (threads > 1 && !writes_cost && !to_hash.empty()) {
        kept = to_hash.back();
        to_hash.pop_back();
        hash_while_writing[*kept] = true;
    }
    jobs.emplace_back([&] { emit_chunks(plan, sink, digests, hash_while_writing); });
    if (kept) jobs.emplace_back(hash_job(*kept));  // unless written raw and hashed by then
    const std::size_t caller_only = jobs.size();
    jobs.emplace_back([&] {
        if (image) detail::check_image(*image, options);
    });
    for (const std::size_t i : to_hash) jobs.emplace_back(hash_job(i));
    detail::run_jobs(jobs, threads, caller_only);

    for (std::size_t i = 0; i < count; ++i) {
        ChunkRecord& record = plan.chunks[i].record;
        if (plan.chunks[i].unhashed) record.hash = std::move(digests.hex[i]);
        record.extra[std::string(kFastDigestKey)] = std::move(digests.fast[i]);
    }
}

std::uint64_t decimal_digits(std::uint64_t value) {
    std::uint64_t digits = 1;
    for (; value >= 10; value /= 10) ++digits;
    return digits;
}

// The manifest's text with file_size filled in, checked against the reader's
// default bounds, so that no file is written that it refuses.
std::string manifest_text(const Json& document, std::uint64_t table_offset, std::uint64_t& file_size) {
    // The reader's default bounds, checked on the tree (counting it costs a
    // fraction of lexing its text again, and the text has the same shape).
    const Limits reader_defaults{};
    try {
        detail::check_json_tree(document, reader_defaults, "");
    } catch (const detail::JsonTextError& e) {
        throw InvalidArgument(std::string("readers would refuse the file's manifest: ") + e.what());
    }
    std::string text;
    try {
        text = detail::dump_python_json(document);
    } catch (const detail::JsonTextError& e) {
        throw InvalidArgument(std::string("metadata: ") + e.what());
    }
    // file_size depends on the manifest's size, which depends on file_size's
    // digits: iterate to the fixed point (the digits change at most once),
    // then put its digits where the 0 is. file_info comes first and holds
    // only our keys, so its file_size is the text's first.
    constexpr std::string_view kPlaceholder = "\"file_size\": 0";
    const std::size_t placeholder = text.find(kPlaceholder);
    if (placeholder == std::string::npos) throw std::logic_error("the manifest text has no file_size");
    const std::uint64_t text_without_digits = text.size() - 1;
    for (file_size = table_offset;;) {
        const std::uint64_t actual =
            table_offset + detail::zstd_stored_size(kChunkHeaderSize + text_without_digits + decimal_digits(file_size));
        if (actual == file_size) break;
        file_size = actual;
    }
    text.replace(placeholder + kPlaceholder.size() - 1, 1, std::to_string(file_size));

    detail::require_payload_fits(text.size(), "manifest");
    if (text.size() > reader_defaults.max_manifest_size)
        throw InvalidArgument("readers would refuse the file: its manifest would have " + std::to_string(text.size()) +
                              " bytes, the limit is " + std::to_string(reader_defaults.max_manifest_size));
    return text;
}

// The manifest, built and schema-checked once and serialised once; returns
// its frame and sets `file_size`. Stored, not compressed: no SHA-256 covers the manifest, only
// the frame's checksum, and in a stored frame every bit either is content or
// breaks the frame (docs/FORMAT.md section 4). Manifests are small;
// compression gains little.
std::vector<std::byte> emit_manifest(Plan& plan, std::uint64_t& file_size) {
    std::vector<ChunkRecord> records;
    records.reserve(plan.chunks.size());
    for (auto& chunk : plan.chunks) records.push_back(std::move(chunk.record));
    plan.file_info["file_size"] = 0;
    const Json document = detail::build_manifest(plan.layout, plan.file_info, plan.model, records,
                                                 plan.manifest_environment ? &*plan.manifest_environment : nullptr);
    // Not beside the serialisation on a helper: on a busy machine a new
    // thread may wait milliseconds for a core, far longer than the check.
    validate_manifest(document);
    const std::string text = manifest_text(document, plan.table_offset, file_size);
    const Bytes envelope = detail::chunk_header_bytes(kManifestType, detail::kPlainChunkFlags, text.size());
    std::vector<std::byte> frame =
        detail::zstd_store({envelope.span(), std::as_bytes(std::span(text.data(), text.size()))});
    if (plan.table_offset + frame.size() != file_size) throw std::logic_error("the manifest frame's size was mispredicted");
    return frame;
}

// A mapped file that lost pages since it was mapped (truncated by someone
// else) gave zeros where they were, never to be committed. Checked once every
// source byte has been read, and after a failure such a page may have caused
// (`probe`: touch the sources' pages first).
void throw_if_a_source_faulted(const Plan& plan, bool probe) {
    for (const auto source : plan.sources) {
        const detail::MappedFile* faulted = probe ? detail::probe_mapping(source) : detail::faulted_mapping(source);
        if (faulted != nullptr) faulted->throw_if_faulted();
    }
}

WriteResult write_plan(Plan& plan, const WriteOptions& options, const Sink& sink, bool writes_cost = false) {
    const Layout layout = plan.layout;
    try {
        emit_with_digests(plan, options, sink, writes_cost);
    } catch (const IoError& e) {
        // write(2) from a page the file no longer backs fails with EFAULT and raises no SIGBUS.
        throw_if_a_source_faulted(plan, /*probe=*/e.system_error() == EFAULT);
        throw;
    } catch (...) {
        throw_if_a_source_faulted(plan, /*probe=*/false);  // the cause, not the check the zeros failed
        throw;
    }
    throw_if_a_source_faulted(plan, /*probe=*/false);
    std::uint64_t total_size = 0;
    const std::vector<std::byte> manifest = emit_manifest(plan, total_size);
    if (manifest.size() > kMaxU32) throw InvalidArgument("the manifest exceeds 4 GiB");
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
    header.chunk_count = static_cast<std::uint32_t>(plan.chunks.size());
    header.file_size = total_size;
    sink.write_header(encode_header(header));

    WriteResult result;
    result.layout = layout;
    result.version_major = header.version_major;
    result.version_minor = header.version_minor;
    result.chunk_count = plan.chunks.size();
    result.file_size = total_size;
    result.extensions = std::move(plan.unreadable);
    return result;
}

WriteResult write_to_file(detail::AtomicFile& file, Plan& plan, const WriteOptions& options) {
    return write_plan(plan, options,
                      {[&](std::span<const std::byte> bytes) { file.write(bytes); },
                       [&](std::span<const std::byte> header) { file.write_at(0, header); }},
                      /*writes_cost=*/true);
}

}  // namespace

std::vector<std::byte> encode(const ArtifactContent& content, const WriteOptions& options, WriteResult& result) {
    Plan plan = detail::make_plan(content, options);
    std::vector<std::byte> out;
    out.reserve(detail::expected_file_size(plan));
    result = write_plan(plan, options,
                        {[&](std::span<const std::byte> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); },
                         [&](std::span<const std::byte> header) { std::memcpy(out.data(), header.data(), header.size()); }});
    return out;
}

std::vector<std::byte> encode(const ArtifactContent& content, const WriteOptions& options) {
    WriteResult result;
    return encode(content, options, result);
}

WriteResult encode_to(const ArtifactContent& content, const WriteOptions& options, const EncodeSink& sink) {
    Plan plan = detail::make_plan(content, options);
    return write_plan(plan, options, sink);
}

WriteResult write_file(const std::filesystem::path& path, const ArtifactContent& content, const WriteOptions& options) {
    Plan plan = detail::make_plan(content, options);
    detail::AtomicFile file(path);
    if (!options.durable) file.reserve(detail::expected_file_size(plan));  // durable: fsync allocates first
    WriteResult result = write_to_file(file, plan, options);
    file.commit(options.durable);
    return result;
}

namespace {
// A complete file under no name yet, for a batch to keep.
std::unique_ptr<AtomicFile> write_unnamed(const std::filesystem::path& path, const ArtifactContent& content,
                                          const WriteOptions& options, WriteResult& result) {
    Plan plan = detail::make_plan(content, options);
    auto file = std::make_unique<AtomicFile>(path);
    result = write_to_file(*file, plan, options);
    return file;
}
}  // namespace

WriteResult WriteBatch::add(const std::filesystem::path& path, const ArtifactContent& content,
                            const WriteOptions& options) {
    WriteResult result;
    keep(write_unnamed(path, content, options, result));  // only once complete: a failed add leaves nothing
    return result;
}

void WriteBatch::keep(std::unique_ptr<AtomicFile> written) {
    if (files_.size() >= max_open_) commit();
    files_.add(std::move(written));
}

std::vector<WriteResult> WriteBatch::add_all(std::span<const FileToWrite> files, const WriteOptions& options,
                                             unsigned threads) {
    std::vector<WriteResult> results(files.size());
    std::vector<std::exception_ptr> failures(files.size());
    std::atomic<std::size_t> next{0};
    std::mutex keeping;  // files_, and the commit when it is full
    if (threads == 0) threads = detail::core_count();
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, files.size()));
    // The files share the threads; a file's own helpers would only compete.
    WriteOptions per_file = options;
    if (threads > 1) per_file.threads = 1;
    const auto write_files = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < files.size();) {
            try {
                if (files[i].content == nullptr) throw InvalidArgument("add_all: no content for " + files[i].path.string());
                auto file = write_unnamed(files[i].path, *files[i].content, per_file, results[i]);
                const std::lock_guard lock(keeping);
                keep(std::move(file));
            } catch (...) {
                failures[i] = std::current_exception();
                next = files.size();
            }
        }
    };
    {
        std::vector<std::jthread> helpers;
        for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(write_files);
        write_files();
    }
    for (const auto& failure : failures)
        if (failure) std::rethrow_exception(failure);
    return results;
}

void WriteBatch::commit() { files_.commit(); }

RAIIAF_NAMESPACE_END
