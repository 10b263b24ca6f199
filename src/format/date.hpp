// The manifest's dates: ISO 8601 in UTC with microseconds.
#pragma once

#include "raiiaf/config.hpp"

#include <chrono>
#include <string>

RAIIAF_DETAIL_NAMESPACE_BEGIN

// "2026-11-02T10:00:00.000000+00:00"
[[nodiscard]] std::string iso8601_utc(std::chrono::system_clock::time_point time);

RAIIAF_DETAIL_NAMESPACE_END
