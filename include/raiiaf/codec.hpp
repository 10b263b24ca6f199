// The latent codecs: one table (src/codecs/codec_table.cpp) says what each
// codec is called, which layouts and dtypes it holds and what the existing
// raiiaf/gen5 package reads. The writer, the reader, the CLI and the Python
// package all ask it.
#pragma once

#include "raiiaf/config.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "raiiaf/dtype.hpp"
#include "raiiaf/format.hpp"

RAIIAF_NAMESPACE_BEGIN

struct CodecInfo {
    Codec codec = Codec::raw;
    std::string_view name;     // codec_name(codec)
    std::string_view summary;  // one line, for help texts
    bool compresses = false;   // false for raw only
    // Takes an absolute error bound (WriteOptions::zfp_tolerance): lossy then.
    bool takes_tolerance = false;
    bool in_raiiaf = false;  // the layouts that can hold it
    bool in_gen5 = false;
    // The layout whose existing package reads it unnamed (a compressed LATN
    // without extra.codec is this codec there); none: it is always an extension.
    bool read_by_existing_raiiaf = false;
    bool read_by_existing_gen5 = false;
    // The dtypes it codes; every one when empty.
    std::span<const DType> dtypes;
    // What a layout that cannot hold it uses instead (convert): lossless and
    // available everywhere.
    Codec stand_in = Codec::raw;
};

// Every codec, in the order of the Codec enum.
[[nodiscard]] std::span<const CodecInfo> codec_table() noexcept;
[[nodiscard]] const CodecInfo& codec_info(Codec codec) noexcept;

[[nodiscard]] bool codec_in_layout(Codec codec, Layout layout) noexcept;
[[nodiscard]] bool codec_codes_dtype(Codec codec, DType dtype) noexcept;
// True when the existing package reads this codec in this layout.
[[nodiscard]] bool codec_read_by_existing_package(Codec codec, Layout layout) noexcept;
// The codec a compressed LATN chunk without extra.codec uses in this layout
// (zfp in RAIIAF, zstd in GEN5: docs/FORMAT.md section 6).
[[nodiscard]] Codec implicit_compressed_codec(Layout layout) noexcept;
// How a chunk's payload is stored: a LATN's extra.codec, else the implicit
// codec of its layout when compressed; other chunks are zstd envelopes or raw.
[[nodiscard]] Codec chunk_codec(const ChunkRecord& record, Layout layout) noexcept;
// `codec` when the layout holds it, else its stand-in (zfp becomes zstd in GEN5).
[[nodiscard]] Codec codec_for_layout(Codec codec, Layout layout) noexcept;

// Why `codec` cannot store a latent of this dtype in this layout, e.g. "zfp is
// not available in the gen5 format (use zstd or shuffle-zstd)"; nullopt when
// it can. The writer refuses such a latent with InvalidArgument naming it.
[[nodiscard]] std::optional<std::string> codec_refusal(Codec codec, Layout layout, DType dtype);
[[nodiscard]] std::optional<std::string> codec_refusal(Codec codec, Layout layout);

// "raw, zfp, zstd or shuffle-zstd": the names, for messages.
[[nodiscard]] std::string codec_names_text();

RAIIAF_NAMESPACE_END
