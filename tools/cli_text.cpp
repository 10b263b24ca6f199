#include "cli_text.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

namespace raiiaf_cli {

namespace {

// Decodes one UTF-8 sequence at text[i]; nullopt (and length 1) when invalid.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t i, std::size_t& length) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    length = 1;
    if (lead < 0x80) return lead;
    std::size_t count = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((lead & 0xE0) == 0xC0) count = 1, cp = lead & 0x1F, min = 0x80;
    else if ((lead & 0xF0) == 0xE0) count = 2, cp = lead & 0x0F, min = 0x800;
    else if ((lead & 0xF8) == 0xF0) count = 3, cp = lead & 0x07, min = 0x10000;
    else return std::nullopt;
    if (i + count >= text.size()) return std::nullopt;
    for (std::size_t k = 1; k <= count; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    length = count + 1;
    return cp;
}

}  // namespace

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0, length = 0; i < text.size(); i += length) {
        (void)decode_utf8(text, i, length);
        ++width;
    }
    return width;
}

std::string keep_end(std::string_view text, std::size_t max_width) {
    const std::size_t width = display_width(text);
    if (width <= max_width) return std::string(text);
    std::size_t cut = 0;
    for (std::size_t n = 0, length = 0; n < width - (max_width - 3); ++n, cut += length) (void)decode_utf8(text, cut, length);
    return "..." + std::string(text.substr(cut));
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    char buffer[16];
    for (std::size_t i = 0, length = 0; i < text.size(); i += length) {
        const auto cp = decode_utf8(text, i, length);
        if (!cp) {
            std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned char>(text[i]));
            out += buffer;
        } else if (*cp == '\n') {
            out += "\\n";
        } else if (*cp == '\t') {
            out += "\\t";
        } else if (*cp == '\r') {
            out += "\\r";
        } else if (*cp < 0x20 || *cp == 0x7F) {
            std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(*cp));
            out += buffer;
        } else if (*cp >= 0x80 && *cp < 0xA0) {
            std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(*cp));
            out += buffer;
        } else {
            out.append(text.substr(i, length));
        }
    }
    return out;
}

std::string format_shape(const raiiaf::Shape& shape) {
    if (shape.empty()) return "scalar";
    std::string out;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) out += 'x';
        out += std::to_string(shape[i]);
    }
    return out;
}

std::string display_value(const Json& value) {
    if (value.is_string()) return printable(value.get_ref<const std::string&>());
    return printable(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string display_object(const Json& object) {
    if (!object.is_object()) return display_value(object);
    std::string out;
    for (const auto& [key, value] : object.items()) {
        if (!out.empty()) out += ' ';
        out += printable(key) + "=" + display_value(value);
    }
    return out;
}

void print_json(const Json& value) {
    std::cout << value.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

Table::Table(std::vector<std::string> header, std::vector<bool> right_aligned) : right_(std::move(right_aligned)) {
    rows_.push_back(std::move(header));
}

void Table::add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

void Table::print(std::ostream& out, std::string_view indent) const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    }
    for (const auto& row : rows_) {
        std::string line(indent);
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::size_t pad = widths[c] - display_width(row[c]);
            const bool right = c < right_.size() && right_[c];
            if (c > 0) line += "  ";
            if (right) line.append(pad, ' ');
            line += row[c];
            if (!right && c + 1 < row.size()) line.append(pad, ' ');
        }
        out << line << '\n';
    }
}

}  // namespace raiiaf_cli
