// Stealth metadata (the stealth_pnginfo extension of the A1111 family, also
// written by NovelAI): a bit stream in the least-significant bits of the
// pixels, read column by column (x outer, y inner). The alpha stream has one
// bit per pixel, the RGB stream three (R, G, B). Each stream holds a 15-byte
// magic, a 32-bit big-endian payload length in bits, then the payload, bytes
// most-significant bit first; the *comp forms are gzip, the *info forms UTF-8.

#include <algorithm>
#include <memory>

#include "format/spng_library.hpp"
#include "image/container.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN
namespace image {

namespace {

struct SpngFree {
    void operator()(spng_ctx* ctx) const { loaded_spng().spng_ctx_free(ctx); }
};

constexpr std::size_t kMagicBits = 15 * 8;
constexpr std::size_t kLengthBits = 32;
// A stealth scan keeps 1 byte per pixel; bigger images are not scanned.
constexpr std::uint64_t kMaxStealthPixels = std::uint64_t{1} << 26;

// The low bit of each channel per pixel: bit 3 alpha, bits 2..0 R, G, B.
class LowBitPlanes {
public:
    LowBitPlanes(std::uint32_t width, std::uint32_t height) : width_(width), height_(height) {}

    void add_row(const unsigned char* rgba) {
        for (std::uint32_t x = 0; x < width_; ++x) {
            const unsigned char* p = rgba + 4 * std::size_t{x};
            bits_.push_back(static_cast<unsigned char>((p[3] & 1) << 3 | (p[0] & 1) << 2 | (p[1] & 1) << 1 | (p[2] & 1)));
        }
    }
    [[nodiscard]] std::uint32_t rows() const { return static_cast<std::uint32_t>(bits_.size() / width_); }

    // Bit `index` of the alpha (channels == 1) or RGB (channels == 3) stream.
    [[nodiscard]] bool bit(std::uint64_t index, int channels) const {
        const std::uint64_t pixel = index / channels;
        const int channel = static_cast<int>(index % channels);
        const std::uint64_t x = pixel / height_, y = pixel % height_;
        const unsigned char planes = bits_[static_cast<std::size_t>(y * width_ + x)];
        return channels == 1 ? (planes >> 3 & 1) != 0 : (planes >> (2 - channel) & 1) != 0;
    }
    // Bits in a stream once every row is in.
    [[nodiscard]] std::uint64_t stream_bits(int channels) const {
        return std::uint64_t{width_} * height_ * static_cast<std::uint64_t>(channels);
    }
    // Bits of the stream readable with the rows decoded so far: whole columns
    // only, unless the first column alone is not yet complete.
    [[nodiscard]] std::uint64_t readable_bits(int channels) const {
        return rows() == height_ ? stream_bits(channels) : std::uint64_t{rows()} * static_cast<std::uint64_t>(channels);
    }

    [[nodiscard]] std::string bytes(std::uint64_t first_bit, std::uint64_t count_bits, int channels) const {
        std::string out(static_cast<std::size_t>(count_bits / 8), '\0');
        for (std::uint64_t i = 0; i < count_bits / 8 * 8; ++i)
            if (bit(first_bit + i, channels)) out[static_cast<std::size_t>(i / 8)] |= static_cast<char>(0x80 >> (i % 8));
        return out;
    }

private:
    std::uint32_t width_, height_;
    std::vector<unsigned char> bits_;
};

}  // namespace

std::vector<MetadataText> read_stealth_texts(std::span<const std::byte> png, const Limits& limits) {
    const Spng& png_library = loaded_spng();
    if (!png_library.error.empty()) throw ImageError(png_library.error);
    std::unique_ptr<spng_ctx, SpngFree> ctx(png_library.spng_ctx_new(0));
    if (!ctx) throw ImageError("out of memory");
    png_library.spng_set_crc_action(ctx.get(), SPNG_CRC_ERROR, SPNG_CRC_ERROR);
    png_library.spng_set_png_buffer(ctx.get(), png.data(), png.size());
    spng_ihdr ihdr{};
    if (const int rc = png_library.spng_get_ihdr(ctx.get(), &ihdr); rc != 0)
        throw ImageError(std::string("PNG header is invalid: ") + png_library.spng_strerror(rc));
    if (ihdr.width == 0 || ihdr.height == 0 || std::uint64_t{ihdr.width} * ihdr.height > kMaxStealthPixels) return {};
    const bool has_alpha = ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA ||
                           ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;

    LowBitPlanes planes(ihdr.width, ihdr.height);
    std::vector<unsigned char> row(std::size_t{ihdr.width} * 4);
    const auto decode_error = [&](int rc) {
        return ImageError(std::string("PNG image data cannot be decoded: ") + png_library.spng_strerror(rc));
    };
    // Interlaced rows arrive pass by pass, so those images are decoded whole;
    // the others row by row, only as far as the reading has got.
    if (ihdr.interlace_method != 0) {
        std::vector<unsigned char> whole(row.size() * ihdr.height);
        if (const int rc = png_library.spng_decode_image(ctx.get(), whole.data(), whole.size(), SPNG_FMT_RGBA8, 0); rc != 0)
            throw decode_error(rc);
        for (std::uint32_t y = 0; y < ihdr.height; ++y) planes.add_row(&whole[std::size_t{y} * row.size()]);
    } else if (const int rc = png_library.spng_decode_image(ctx.get(), nullptr, 0, SPNG_FMT_RGBA8, SPNG_DECODE_PROGRESSIVE);
               rc != 0) {
        throw decode_error(rc);
    }
    const auto decode_rows_until = [&](std::uint32_t wanted_rows) {
        while (planes.rows() < wanted_rows) {
            const int rc = png_library.spng_decode_row(ctx.get(), row.data(), row.size());
            if (rc != 0 && rc != SPNG_EOI) throw decode_error(rc);
            planes.add_row(row.data());
            if (rc == SPNG_EOI && planes.rows() < wanted_rows) throw ImageError("PNG image data ends early");
        }
    };

    // The magic sits in the first 40 (RGB) or 120 (alpha) pixels of the first column.
    const auto magic_of = [&](int channels) -> std::string {
        const std::uint64_t needed_rows = (kMagicBits + channels - 1) / channels;
        decode_rows_until(static_cast<std::uint32_t>(std::min<std::uint64_t>(needed_rows, ihdr.height)));
        if (planes.readable_bits(channels) < kMagicBits) return {};
        return planes.bytes(0, kMagicBits, channels);
    };

    int channels = 0;
    std::string kind;
    const std::string rgb_magic = magic_of(3);
    if (rgb_magic == "stealth_rgbinfo" || rgb_magic == "stealth_rgbcomp") {
        channels = 3;
        kind = rgb_magic.substr(8);
    } else if (has_alpha) {
        const std::string alpha_magic = magic_of(1);
        if (alpha_magic == "stealth_pnginfo" || alpha_magic == "stealth_pngcomp") {
            channels = 1;
            kind = alpha_magic.substr(8);
        }
    }
    if (channels == 0) return {};

    decode_rows_until(ihdr.height);
    const std::uint64_t available = planes.stream_bits(channels);
    if (available < kMagicBits + kLengthBits) throw ImageError("stealth " + kind + " data has no length field");
    const std::string length_bytes = planes.bytes(kMagicBits, kLengthBits, channels);
    const auto* length_field = reinterpret_cast<const unsigned char*>(length_bytes.data());
    const std::uint64_t payload_bits = std::uint64_t{length_field[0]} << 24 | std::uint64_t{length_field[1]} << 16 |
                                       std::uint64_t{length_field[2]} << 8 | length_field[3];
    if (payload_bits > available - kMagicBits - kLengthBits)
        throw ImageError("stealth " + kind + " length of " + std::to_string(payload_bits) +
                         " bits runs past the pixels");
    const bool compressed = kind.ends_with("comp");
    if (!compressed && payload_bits / 8 > limits.max_metadata_text_size)
        throw ImageError("stealth " + kind + " text is over the limit of " +
                         std::to_string(limits.max_metadata_text_size) + " bytes");
    const std::string payload = planes.bytes(kMagicBits + kLengthBits, payload_bits, channels);
    std::string text;
    if (compressed) {
        text = inflate_bounded(std::as_bytes(std::span(payload.data(), payload.size())), limits.max_metadata_text_size,
                               true, "stealth " + kind);
    } else {
        text = payload;
    }
    if (!is_valid_utf8(text)) text = latin1_to_utf8(text);
    return {{"stealth:" + kind, "stealth_" + kind, std::move(text)}};
}

}  // namespace image
RAIIAF_DETAIL_NAMESPACE_END
