#include "format/date.hpp"

#include <cstdio>

RAIIAF_DETAIL_NAMESPACE_BEGIN

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
    const auto micros = std::chrono::floor<std::chrono::microseconds>(time);
    const auto day = std::chrono::floor<std::chrono::days>(micros);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss clock{micros - day};
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lld+00:00", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()), static_cast<long long>(clock.subseconds().count()));
    return text;
}

RAIIAF_DETAIL_NAMESPACE_END
