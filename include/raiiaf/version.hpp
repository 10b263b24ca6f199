#pragma once

#include "raiiaf/config.hpp"

#include <string_view>

RAIIAF_NAMESPACE_BEGIN

// The library's version, "MAJOR.MINOR.PATCH".
[[nodiscard]] std::string_view library_version() noexcept;

RAIIAF_NAMESPACE_END
