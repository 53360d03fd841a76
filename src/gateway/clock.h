// Wall-clock time for the gateway's records and daily budgets, injectable so
// tests can move to the next UTC day; RFC 3339 text in UTC.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hearth::gateway {

using TimePoint = std::chrono::system_clock::time_point;
using Clock = std::function<TimePoint()>;

// std::chrono::system_clock::now.
Clock system_clock();

// "2026-11-28T07:35:55.123Z" (UTC, milliseconds).
std::string format_rfc3339(TimePoint t);
// Accepts "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM:SS[.fraction]" followed by
// "Z" or "+HH:MM"/"-HH:MM" ('t'/'z' and a space for 'T' too). Throws FormatError
// quoting the text and the expected form.
TimePoint parse_rfc3339(std::string_view text);

// Days since 1970-01-01 in UTC: the index of a daily budget.
int64_t utc_day(TimePoint t);
// "2026-11-28" for a utc_day().
std::string format_utc_day(int64_t day);

}  // namespace hearth::gateway
