// The one table of codecs: names, where each may be used, encode, decode.
#include "codecs/codec_table.hpp"

#include <array>
#include <cmath>

#include "codecs/shuffle.hpp"
#include "codecs/zfp_codec.hpp"
#include "codecs/zstd_codec.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

// Measured in bench/: level 1 already reaches the entropy bound on noise (the
// mantissa bytes are random; only the Huffman-coded exponent bytes shrink).
constexpr int kShuffleZstdLevel = 1;

Bytes owned(std::vector<std::byte> bytes) { return Bytes(std::move(bytes)); }

EncodedPayload stored_raw(const Bytes& envelope, Bytes payload) {
    EncodedPayload encoded;
    encoded.pieces = {envelope, std::move(payload)};
    return encoded;
}

EncodedPayload encode_raw(const Tensor& tensor, const Bytes& envelope, std::optional<double>) {
    return stored_raw(envelope, tensor.data());
}

EncodedPayload encode_zstd(const Tensor& tensor, const Bytes& envelope, std::optional<double>) {
    EncodedPayload encoded;
    encoded.codec = Codec::zstd;
    encoded.pieces = {owned(zstd_compress({envelope.span(), tensor.bytes()}))};
    return encoded;
}

// Each byte plane in its own zstd block, so that each gets its own entropy tables.
EncodedPayload encode_shuffle_zstd(const Tensor& tensor, const Bytes& envelope, std::optional<double>) {
    const std::span<const std::byte> payload = tensor.bytes();
    const std::size_t element = dtype_size(tensor.dtype());
    std::vector<std::byte> shuffled(payload.size());
    shuffle_bytes(payload, element, shuffled);
    std::vector<std::span<const std::byte>> parts{envelope.span()};
    const std::size_t plane = payload.size() / element;
    for (std::size_t b = 0; b < element; ++b) parts.push_back(std::span<const std::byte>(shuffled).subspan(b * plane, plane));
    EncodedPayload encoded;
    encoded.codec = Codec::shuffle_zstd;
    encoded.pieces = {owned(zstd_compress(parts, kShuffleZstdLevel, /*block_per_part=*/true))};
    return encoded;
}

// The RAIIAF split form: zstd(envelope header) + the zfp stream.
EncodedPayload encode_zfp(const Tensor& tensor, const Bytes& envelope, std::optional<double> tolerance) {
    if (tolerance && !(*tolerance > 0.0 && std::isfinite(*tolerance)))
        throw InvalidArgument("zfp tolerance must be a positive finite number");
    std::vector<std::byte> stream = zfp_encode_tensor(tensor, tolerance);
    EncodedPayload encoded;
    encoded.codec = Codec::zfp;
    if (tolerance) {
        encoded.decoded = zfp_decode_tensor(stream, tensor.dtype(), tensor.shape()).data();
        encoded.tolerance = tolerance;
    }
    Bytes header_frame = owned(zstd_compress({envelope.span()}));
    encoded.len_header = header_frame.size();
    encoded.len_data = stream.size();
    encoded.pieces = {std::move(header_frame), owned(std::move(stream))};
    return encoded;
}

void check_envelope(const DecodeRequest& request, std::span<const std::byte> envelope) {
    if (envelope.size() < kChunkHeaderSize) throw CodecError("the stored chunk is shorter than its chunk header");
    if (request.check_envelope) request.check_envelope(envelope.first<kChunkHeaderSize>());
}
void charge(const DecodeRequest& request, std::uint64_t bytes) {
    if (request.charge) request.charge(bytes);
}

Bytes decode_raw(const DecodeRequest& request) {
    check_envelope(request, request.stored);
    const auto body = request.stored.subspan(kChunkHeaderSize);
    return request.copy ? Bytes::copy_of(body) : Bytes(body, request.keepalive);
}

// The envelope as one zstd frame: returns the decompressed envelope.
std::shared_ptr<std::vector<std::byte>> zstd_envelope(const DecodeRequest& request) {
    auto buffer = std::make_shared<std::vector<std::byte>>(
        zstd_decompress_to_size(request.stored, kChunkHeaderSize + request.payload_size));
    check_envelope(request, *buffer);
    return buffer;
}

Bytes decode_zstd(const DecodeRequest& request) {
    charge(request, kChunkHeaderSize + request.payload_size);
    auto buffer = zstd_envelope(request);
    const auto body = std::span<const std::byte>(*buffer).subspan(kChunkHeaderSize);
    return Bytes(body, std::shared_ptr<const void>(std::move(buffer)));
}

Bytes decode_shuffle_zstd(const DecodeRequest& request) {
    charge(request, kChunkHeaderSize + request.payload_size);
    charge(request, request.payload_size);  // the unshuffled copy
    const auto buffer = zstd_envelope(request);
    const auto body = std::span<const std::byte>(*buffer).subspan(kChunkHeaderSize);
    std::vector<std::byte> unshuffled(body.size());
    unshuffle_bytes(body, dtype_size(request.dtype), unshuffled);
    return Bytes(std::move(unshuffled));
}

Bytes decode_zfp(const DecodeRequest& request) {
    const std::uint64_t len_header = request.len_header.value_or(0);
    if (len_header == 0 || len_header > request.stored.size())
        throw CodecError("zfp chunk's len_header does not lie inside the chunk");
    std::array<std::byte, kChunkHeaderSize> envelope{};
    try {
        zstd_decompress_exact(request.stored.first(len_header), envelope);
    } catch (const CodecError& e) {
        throw CodecError(std::string("zfp chunk's header frame: ") + e.what());
    }
    check_envelope(request, envelope);
    // float16 travels as float32: up to twice the raw size.
    charge(request, request.dtype == DType::float16 ? 2 * request.payload_size : request.payload_size);
    return zfp_decode_tensor(request.stored.subspan(len_header), request.dtype, request.shape).data();
}

constexpr std::array<DType, 3> kZfpDtypes{DType::float16, DType::float32, DType::float64};

struct CodecRow {
    CodecInfo info;
    EncodedPayload (*encode)(const Tensor&, const Bytes&, std::optional<double>);
    Bytes (*decode)(const DecodeRequest&);
};

// In the order of the Codec enum (checked below).
constexpr std::array<CodecRow, 4> kCodecs{{
    {{.codec = Codec::raw,
      .name = "raw",
      .summary = "uncompressed: the envelope and the tensor bytes",
      .compresses = false,
      .takes_tolerance = false,
      .in_raiiaf = true,
      .in_gen5 = true,
      .read_by_existing_raiiaf = true,
      .read_by_existing_gen5 = true,
      .dtypes = {},
      .stand_in = Codec::raw},
     encode_raw, decode_raw},
    {{.codec = Codec::zfp,
      .name = "zfp",
      .summary = "zfp's reversible mode (lossy with a tolerance), RAIIAF's compression",
      .compresses = true,
      .takes_tolerance = true,
      .in_raiiaf = true,
      .in_gen5 = false,
      .read_by_existing_raiiaf = true,
      .read_by_existing_gen5 = false,
      .dtypes = kZfpDtypes,
      .stand_in = Codec::zstd},
     encode_zfp, decode_zfp},
    {{.codec = Codec::zstd,
      .name = "zstd",
      .summary = "one zstd frame of the envelope, GEN5's compression",
      .compresses = true,
      .takes_tolerance = false,
      .in_raiiaf = true,
      .in_gen5 = true,
      .read_by_existing_raiiaf = false,
      .read_by_existing_gen5 = true,
      .dtypes = {},
      .stand_in = Codec::zstd},
     encode_zstd, decode_zstd},
    {{.codec = Codec::shuffle_zstd,
      .name = "shuffle-zstd",
      .summary = "bytes regrouped by significance, then zstd; best on noise [ext]",
      .compresses = true,
      .takes_tolerance = false,
      .in_raiiaf = true,
      .in_gen5 = true,
      .read_by_existing_raiiaf = false,
      .read_by_existing_gen5 = false,
      .dtypes = {},
      .stand_in = Codec::shuffle_zstd},
     encode_shuffle_zstd, decode_shuffle_zstd},
}};

constexpr const CodecRow& row(Codec codec) noexcept {
    const auto index = static_cast<std::size_t>(codec);
    return index < kCodecs.size() ? kCodecs[index] : kCodecs[0];
}

constexpr bool table_is_in_enum_order() noexcept {
    for (std::size_t i = 0; i < kCodecs.size(); ++i)
        if (static_cast<std::size_t>(kCodecs[i].info.codec) != i) return false;
    return true;
}
static_assert(table_is_in_enum_order(), "kCodecs is indexed by Codec");

std::string listed(const std::vector<std::string_view>& names) {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
        text += names[i];
    }
    return text;
}

std::string listed_and(std::span<const DType> dtypes) {
    std::string text;
    for (std::size_t i = 0; i < dtypes.size(); ++i) {
        if (i > 0) text += i + 1 == dtypes.size() ? " and " : ", ";
        text += dtype_name(dtypes[i]);
    }
    return text;
}

}  // namespace

std::uint64_t EncodedPayload::stored_size() const noexcept {
    std::uint64_t size = 0;
    for (const auto& piece : pieces) size += piece.size();
    return size;
}

bool raw_is_no_larger(std::uint64_t stored_size, std::uint64_t payload_size) noexcept {
    return stored_size >= kChunkHeaderSize + payload_size;
}

EncodedPayload encode_payload(Codec codec, const Tensor& tensor, const Bytes& envelope,
                              std::optional<double> tolerance) {
    const CodecInfo& info = codec_info(codec);
    if (tolerance && !info.takes_tolerance)
        throw InvalidArgument("a tolerance was given for codec " + std::string(info.name) + ", which takes none");
    if (tensor.element_count() == 0) return encode_raw(tensor, envelope, {});  // any coded form of nothing is larger
    if (!codec_codes_dtype(codec, tensor.dtype()))
        throw InvalidArgument(*codec_refusal(codec, Layout::raiiaf, tensor.dtype()));
    EncodedPayload encoded = row(codec).encode(tensor, envelope, tolerance);
    if (encoded.compressed() && raw_is_no_larger(encoded.stored_size(), tensor.bytes().size()))
        return encode_raw(tensor, envelope, {});
    return encoded;
}

EncodedPayload encode_bytes(Codec codec, std::span<const std::byte> payload, const Bytes& envelope) {
    const Tensor bytes(DType::uint8, {payload.size()}, Bytes::borrowed(payload));
    return codec == Codec::raw ? encode_raw(bytes, envelope, {}) : row(codec).encode(bytes, envelope, {});
}

Bytes decode_payload(Codec codec, const DecodeRequest& request) { return row(codec).decode(request); }

RAIIAF_DETAIL_NAMESPACE_END

RAIIAF_NAMESPACE_BEGIN

std::span<const CodecInfo> codec_table() noexcept {
    static const std::vector<CodecInfo> infos = [] {
        std::vector<CodecInfo> list;
        for (const auto& row : detail::kCodecs) list.push_back(row.info);
        return list;
    }();
    return infos;
}

const CodecInfo& codec_info(Codec codec) noexcept {
    const auto index = static_cast<std::size_t>(codec);
    return codec_table()[index < detail::kCodecs.size() ? index : 0];
}

std::string_view codec_name(Codec codec) noexcept { return codec_info(codec).name; }

std::optional<Codec> codec_from_name(std::string_view name) noexcept {
    for (const auto& row : detail::kCodecs)
        if (row.info.name == name) return row.info.codec;
    return std::nullopt;
}

bool codec_in_layout(Codec codec, Layout layout) noexcept {
    const CodecInfo& info = codec_info(codec);
    return layout == Layout::gen5 ? info.in_gen5 : info.in_raiiaf;
}

bool codec_codes_dtype(Codec codec, DType dtype) noexcept {
    const CodecInfo& info = codec_info(codec);
    if (info.dtypes.empty()) return true;
    for (const DType coded : info.dtypes)
        if (coded == dtype) return true;
    return false;
}

bool codec_read_by_existing_package(Codec codec, Layout layout) noexcept {
    const CodecInfo& info = codec_info(codec);
    return layout == Layout::gen5 ? info.read_by_existing_gen5 : info.read_by_existing_raiiaf;
}

Codec implicit_compressed_codec(Layout layout) noexcept {
    for (const auto& row : detail::kCodecs)
        if (row.info.compresses && codec_read_by_existing_package(row.info.codec, layout)) return row.info.codec;
    return Codec::zstd;
}

Codec chunk_codec(const ChunkRecord& record, Layout layout) noexcept {
    if (record.type != kLatentType) return record.compressed ? Codec::zstd : Codec::raw;
    if (const auto it = record.extra.find("codec"); it != record.extra.end() && it->is_string())
        if (const auto codec = codec_from_name(it->get_ref<const std::string&>())) return *codec;
    return record.compressed ? implicit_compressed_codec(layout) : Codec::raw;
}

Codec codec_for_layout(Codec codec, Layout layout) noexcept {
    return codec_in_layout(codec, layout) ? codec : codec_info(codec).stand_in;
}

std::optional<std::string> codec_refusal(Codec codec, Layout layout) {
    if (codec_in_layout(codec, layout)) return std::nullopt;
    std::vector<std::string_view> instead;
    for (const auto& row : detail::kCodecs)
        if (row.info.compresses && codec_in_layout(row.info.codec, layout)) instead.push_back(row.info.name);
    return std::string(codec_name(codec)) + " is not available in the " + std::string(layout_name(layout)) +
           " format (use " + detail::listed(instead) + ")";
}

std::optional<std::string> codec_refusal(Codec codec, Layout layout, DType dtype) {
    if (auto refusal = codec_refusal(codec, layout)) return refusal;
    if (codec_codes_dtype(codec, dtype)) return std::nullopt;
    return std::string(codec_name(codec)) + " codes " + detail::listed_and(codec_info(codec).dtypes) +
           " latents only, not " + std::string(dtype_name(dtype));
}

std::string codec_names_text() {
    std::vector<std::string_view> names;
    for (const auto& row : detail::kCodecs) names.push_back(row.info.name);
    return detail::listed(names);
}

RAIIAF_NAMESPACE_END
