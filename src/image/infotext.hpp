// AUTOMATIC1111's "infotext": the generation parameters as the text A1111,
// Forge and their "PNG Info" tab read back (modules/infotext_utils.py):
//
//   <prompt lines>
//   Negative prompt: <negative prompt lines>
//   Steps: 30, Sampler: Euler a, CFG scale: 7, Seed: 1337, Size: 512x512, Model: ...
//
// Values holding ',', ':' or a newline are written as JSON strings, which is
// how A1111 quotes them and what its parser unquotes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "raiiaf/format.hpp"

namespace raiiaf::detail {

// A1111's quote(): the text as is, or as a JSON string when it holds ',', ':' or '\n'.
[[nodiscard]] std::string a1111_quote(std::string_view value);

struct Infotext {
    std::string prompt;
    std::string negative_prompt;
    std::vector<std::pair<std::string, std::string>> parameters;  // in order, values unquoted
    [[nodiscard]] std::string text() const;
};

// The infotext of an artifact's settings. `pixel_size` stands in for the
// generation size when the settings have no width and height.
[[nodiscard]] Infotext infotext_for(const ModelInfo& model,
                                    std::optional<std::pair<std::uint32_t, std::uint32_t>> pixel_size);

}  // namespace raiiaf::detail
