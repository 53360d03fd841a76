#include "gateway/clock.h"

#include <cstdio>

#include "core/error.h"

namespace hearth::gateway {

namespace {

using namespace std::chrono;

[[noreturn]] void bad_time(std::string_view text) {
  throw FormatError("not an RFC 3339 time: \"" + std::string(text) +
                    "\" (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-11-28T07:30:00Z)");
}

// Reads exactly `n` digits at text[pos...]; false when any is not a digit.
bool read_digits(std::string_view text, size_t pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

std::string format_rfc3339(TimePoint t) {
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

TimePoint parse_rfc3339(std::string_view text) {
  int y = 0, mo = 0, d = 0;
  if (!read_digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !read_digits(text, 5, 2, mo) ||
      text[7] != '-' || !read_digits(text, 8, 2, d)) {
    bad_time(text);
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) bad_time(text);
  TimePoint t = sys_days{ymd};
  if (text.size() == 10) return t;

  int h = 0, mi = 0, s = 0;
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !read_digits(text, 11, 2, h) ||
      text[13] != ':' || !read_digits(text, 14, 2, mi) || text[16] != ':' || !read_digits(text, 17, 2, s) ||
      h > 23 || mi > 59 || s > 60) {
    bad_time(text);
  }
  t += hours{h} + minutes{mi} + seconds{s};
  size_t pos = 19;
  if (text[pos] == '.') {  // fraction: keep up to nanoseconds
    ++pos;
    int64_t frac = 0, scale = 1'000'000'000;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 1) {
        scale /= 10;
        frac += (text[pos] - '0') * scale;
      }
      ++pos;
    }
    if (pos == start) bad_time(text);
    t += duration_cast<system_clock::duration>(nanoseconds{frac});
  }
  const std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") return t;
  int oh = 0, om = 0;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !read_digits(zone, 1, 2, oh) || zone[3] != ':' ||
      !read_digits(zone, 4, 2, om)) {
    bad_time(text);
  }
  const minutes offset = hours{oh} + minutes{om};
  return zone[0] == '+' ? t - offset : t + offset;  // local = UTC + offset
}

int64_t utc_day(TimePoint t) { return floor<days>(t).time_since_epoch().count(); }

std::string format_utc_day(int64_t day_index) {
  const year_month_day ymd{sys_days{days{day_index}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace hearth::gateway
