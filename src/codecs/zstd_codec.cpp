#include "codecs/zstd_codec.hpp"

#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {
struct CCtxFree {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

void check(std::size_t result, const char* what) {
    if (ZSTD_isError(result)) throw CodecError(std::string(what) + ": " + ZSTD_getErrorName(result));
}

constexpr std::uint32_t kFrameMagic = 0xFD2FB528;
constexpr std::size_t kMaxBlockSize = 128 * 1024;
constexpr std::byte kUnusedHeaderBit{0x10};

void append_le(std::vector<std::byte>& out, std::uint64_t value, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) out.push_back(static_cast<std::byte>(value >> (8 * i)));
}

// zstd decoders ignore the frame header's unused bit, so a flip there would
// go unnoticed; no encoder sets it, so a frame that has it set is damaged.
void check_frame_header(std::span<const std::byte> frame) {
    if (frame.size() <= 4) return;
    std::uint32_t magic = 0;
    for (std::size_t i = 0; i < 4; ++i) magic |= std::to_integer<std::uint32_t>(frame[i]) << (8 * i);
    if (magic == kFrameMagic && (frame[4] & kUnusedHeaderBit) != std::byte{0})
        throw CodecError("zstd frame header has its unused bit set");
}

// The frame's declared content size (ZSTD_CONTENTSIZE_UNKNOWN when it has
// none), after the header checks every decoder here starts with.
unsigned long long declared_size(std::span<const std::byte> frame) {
    check_frame_header(frame);
    const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
    if (declared == ZSTD_CONTENTSIZE_ERROR) throw CodecError("not a zstd frame");
    return declared;
}

void require_size(const char* what, unsigned long long size, std::size_t expected) {
    if (size != expected)
        throw CodecError(std::string("zstd frame ") + what + " " + std::to_string(size) + " bytes, expected " +
                         std::to_string(expected));
}

std::unique_ptr<ZSTD_DCtx, DCtxFree> make_dctx() {
    std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
    if (!dctx) throw CodecError("zstd: out of memory");
    // A frame may not ask for a window larger than 128 MiB of memory.
    check(ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27), "zstd window limit");
    return dctx;
}

// One decompression context per thread, reused: creating one allocates and
// clears about 160 KB (an mmap and its page faults), which was most of the
// cost of opening a small file.
ZSTD_DCtx* thread_dctx() {
    thread_local const std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx = make_dctx();
    check(ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_only), "zstd reset");
    return dctx.get();
}
}  // namespace

std::vector<std::byte> zstd_compress(std::span<const std::span<const std::byte>> parts, int level,
                                     bool block_per_part) {
    std::size_t total = 0;
    for (const auto& part : parts) total += part.size();

    std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
    if (!cctx) throw CodecError("zstd: out of memory");
    check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level), "zstd level");
    check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1), "zstd checksum flag");
    check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1), "zstd content size flag");
    check(ZSTD_CCtx_setPledgedSrcSize(cctx.get(), total), "zstd pledged size");

    // Each flushed part may add a block header beyond compressBound's estimate.
    std::vector<std::byte> out(ZSTD_compressBound(total) + 8 * parts.size() + 32);
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    std::size_t remaining_parts = parts.size();
    for (const auto& part : parts) {
        --remaining_parts;
        ZSTD_inBuffer input{part.data(), part.size(), 0};
        const ZSTD_EndDirective mode =
            remaining_parts == 0 ? ZSTD_e_end : (block_per_part ? ZSTD_e_flush : ZSTD_e_continue);
        for (;;) {
            const std::size_t left = ZSTD_compressStream2(cctx.get(), &output, &input, mode);
            check(left, "zstd compression");
            if (mode == ZSTD_e_continue ? input.pos == input.size : left == 0) break;
            if (output.pos == output.size) {  // never expected; grow rather than spin
                out.resize(out.size() * 2);
                output.dst = out.data();
                output.size = out.size();
            }
        }
    }
    if (parts.size() == 0) {
        ZSTD_inBuffer input{nullptr, 0, 0};
        while (ZSTD_compressStream2(cctx.get(), &output, &input, ZSTD_e_end) != 0) {}
    }
    out.resize(output.pos);
    return out;
}

namespace {
int stored_frame_size_code(std::uint64_t size) noexcept {
    return size < 256 ? 0 : size < 65536 + 256 ? 1 : size <= 0xFFFFFFFF ? 2 : 3;
}
}  // namespace

std::uint64_t zstd_stored_size(std::uint64_t content_size) noexcept {
    const int size_code = stored_frame_size_code(content_size);
    const std::uint64_t size_field = size_code == 1 ? 2 : std::uint64_t{1} << size_code;
    const std::uint64_t blocks = std::max<std::uint64_t>(1, (content_size + kMaxBlockSize - 1) / kMaxBlockSize);
    return 4 + 1 + size_field + 3 * blocks + content_size + 4;  // magic, descriptor, size, block headers, checksum
}

std::vector<std::byte> zstd_store(std::span<const std::span<const std::byte>> parts) {
    std::uint64_t size = 0;
    for (const auto& part : parts) size += part.size();
    XXH64_state_t* const state = XXH64_createState();
    if (!state) throw CodecError("xxhash: out of memory");
    const std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> hash(state, XXH64_freeState);
    XXH64_reset(state, 0);

    std::vector<std::byte> out;
    out.reserve(size + size / kMaxBlockSize * 3 + 32);
    append_le(out, kFrameMagic, 4);
    // Frame header descriptor: single segment (no window descriptor), content
    // checksum, and the smallest content-size field that holds `size`.
    const int size_code = stored_frame_size_code(size);
    out.push_back(static_cast<std::byte>(size_code << 6 | 0x20 | 0x04));
    if (size_code == 1) append_le(out, size - 256, 2);
    else append_le(out, size, std::size_t{1} << size_code);

    std::uint64_t written = 0;
    std::size_t part = 0, part_offset = 0;
    do {
        const std::uint64_t block = std::min<std::uint64_t>(kMaxBlockSize, size - written);
        const bool last = written + block == size;
        append_le(out, block << 3 | (last ? 1u : 0u), 3);  // block type 0: raw
        for (std::uint64_t left = block; left > 0;) {
            const auto piece = parts[part].subspan(part_offset, std::min<std::uint64_t>(left, parts[part].size() - part_offset));
            out.insert(out.end(), piece.begin(), piece.end());
            XXH64_update(state, piece.data(), piece.size());
            left -= piece.size();
            part_offset += piece.size();
            if (part_offset == parts[part].size()) {
                ++part;
                part_offset = 0;
            }
        }
        written += block;
    } while (written < size);
    append_le(out, XXH64_digest(state) & 0xFFFFFFFF, 4);
    return out;
}

void zstd_decompress_exact(std::span<const std::byte> frame, std::span<std::byte> out) {
    const unsigned long long declared = declared_size(frame);
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN) require_size("declares", declared, out.size());
    const std::size_t produced =
        ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), frame.data(), frame.size());
    check(produced, "zstd decompression");
    require_size("holds", produced, out.size());
}

std::vector<std::byte> zstd_decompress_to_size(std::span<const std::byte> frame, std::size_t size) {
    const unsigned long long declared = declared_size(frame);
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
        auto out = zstd_decompress_bounded(frame, size);
        require_size("holds", out.size(), size);
        return out;
    }
    require_size("declares", declared, size);  // before allocating what the manifest claims
    std::vector<std::byte> out(size);
    zstd_decompress_exact(frame, out);
    return out;
}

std::vector<std::byte> zstd_decompress_bounded(std::span<const std::byte> frame, std::size_t max_size) {
    const unsigned long long declared = declared_size(frame);
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max_size)
        throw CodecError("zstd frame declares " + std::to_string(declared) + " bytes, over the limit of " +
                         std::to_string(max_size));
    ZSTD_DCtx* const dctx = thread_dctx();
    // The buffer grows to at most max_size + 1: holding that extra byte proves the limit is exceeded.
    // A declared size (within the limit) is the first size: no regrowth, no
    // 64 KiB of zeros for a manifest of a few KiB (a tenth of a CLI start).
    std::vector<std::byte> out;
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN) out.resize(static_cast<std::size_t>(declared) + 1);
    std::size_t used = 0;
    ZSTD_inBuffer input{frame.data(), frame.size(), 0};
    std::size_t frame_remaining = 0;
    do {
        if (used == out.size())
            out.resize(std::min(max_size + 1, std::max<std::size_t>(2 * out.size(), 64 * 1024)));
        ZSTD_outBuffer output{out.data(), out.size(), used};
        frame_remaining = ZSTD_decompressStream(dctx, &output, &input);
        check(frame_remaining, "zstd decompression");
        used = output.pos;
        if (used > max_size)
            throw CodecError("zstd content exceeds the limit of " + std::to_string(max_size) + " bytes");
        if (frame_remaining != 0 && input.pos == input.size && used < out.size())
            throw CodecError("zstd frame is truncated");
    } while (frame_remaining != 0 || input.pos < input.size);
    out.resize(used);
    return out;
}

std::size_t zstd_frame_size(std::span<const std::byte> data) {
    const std::size_t size = ZSTD_findFrameCompressedSize(data.data(), data.size());
    check(size, "zstd frame");
    return size;
}

RAIIAF_DETAIL_NAMESPACE_END
