#pragma once

#include <string_view>

namespace raiiaf {

// The library's version, "MAJOR.MINOR.PATCH".
[[nodiscard]] std::string_view library_version() noexcept;

}  // namespace raiiaf
