// Text output: escaping for the terminal, one-line displays of JSON values,
// JSON for scripts, aligned tables.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <raiiaf/raiiaf.hpp>

namespace raiiaf_cli {

using raiiaf::Json;

// Control characters (C0, DEL, C1) escaped so that hostile metadata cannot
// drive the terminal; "\n" becomes the two characters \ and n.
std::string printable(std::string_view text);
std::string format_shape(const raiiaf::Shape& shape);  // "1x4x64x64", "scalar"
// A JSON value for a one-line display: strings bare, the rest compact JSON.
std::string display_value(const Json& value);
// "key=value key=value" for an object.
std::string display_object(const Json& object);
// JSON text for scripts: indented, UTF-8, one trailing newline.
void print_json(const Json& value);
// Code points in `text` (an invalid byte counts as one).
std::size_t display_width(std::string_view text);
// `text` when at most max_width code points wide, else "..." and its last
// max_width - 3 code points (cut at a character boundary).
std::string keep_end(std::string_view text, std::size_t max_width);

// Columns separated by two spaces, widths from the widest cell (in code points).
class Table {
public:
    explicit Table(std::vector<std::string> header, std::vector<bool> right_aligned = {});
    void add(std::vector<std::string> row);
    void print(std::ostream& out, std::string_view indent = "") const;

private:
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

}  // namespace raiiaf_cli
