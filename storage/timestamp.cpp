#include "storage/timestamp.hpp"

#include <cstdio>

namespace memoryd::storage {

namespace {

using namespace std::chrono;

// Reads exactly `width` decimal digits at `pos`, advancing it.
std::optional<int> digits(std::string_view s, std::size_t& pos, int width) {
  if (pos + width > s.size())
    return std::nullopt;
  int value = 0;
  for (int i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c)
    return false;
  ++pos;
  return true;
}

} // namespace

std::string format_timestamp(clock_type::time_point t) {
  const auto us = floor<microseconds>(t);
  const auto day = floor<days>(us);
  const year_month_day date{day};
  const hh_mm_ss time{us - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<long long>(time.subseconds().count()));
  return buf;
}

std::optional<clock_type::time_point> parse_timestamp(std::string_view s) {
  std::size_t pos = 0;
  const auto y = digits(s, pos, 4);
  if (!y || !expect(s, pos, '-'))
    return std::nullopt;
  const auto mo = digits(s, pos, 2);
  if (!mo || !expect(s, pos, '-'))
    return std::nullopt;
  const auto d = digits(s, pos, 2);
  if (!d || !(expect(s, pos, 'T') || expect(s, pos, ' ')))
    return std::nullopt;
  const auto h = digits(s, pos, 2);
  if (!h || !expect(s, pos, ':'))
    return std::nullopt;
  const auto mi = digits(s, pos, 2);
  if (!mi || !expect(s, pos, ':'))
    return std::nullopt;
  const auto sec = digits(s, pos, 2);
  if (!sec)
    return std::nullopt;

  nanoseconds fraction{0};
  if (expect(s, pos, '.')) {
    int n = 0;
    long long value = 0;
    // Digits past the ninth are counted, not added: they make the text
    // invalid, and would overflow (found by tests/fuzz/fuzz_import).
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n)
      if (n < 9)
        value = value * 10 + (s[pos] - '0');
    if (n < 1 || n > 9)
      return std::nullopt;
    for (int i = n; i < 9; ++i)
      value *= 10;
    fraction = nanoseconds{value};
  }

  const auto zone = s.substr(pos);
  if (zone != "Z" && zone != "+00" && zone != "+00:00")
    return std::nullopt;

  const year_month_day date{year{*y}, month(static_cast<unsigned>(*mo)),
                            day(static_cast<unsigned>(*d))};
  if (!date.ok() || *h > 23 || *mi > 59 || *sec > 59)
    return std::nullopt;
  // In seconds first: clock_type counts nanoseconds (libstdc++), whose
  // range ends in 2262, and a year such as 9999 would overflow it (found by
  // tests/fuzz/fuzz_import). Such a time is not one memoryd can keep.
  const auto whole = sys_days{date}.time_since_epoch() + hours{*h}
                     + minutes{*mi} + seconds{*sec};
  constexpr auto latest = floor<seconds>(clock_type::duration::max()) - 1s;
  constexpr auto earliest = ceil<seconds>(clock_type::duration::min()) + 1s;
  if (whole > latest || whole < earliest)
    return std::nullopt;
  return clock_type::time_point{floor<clock_type::duration>(
    duration_cast<clock_type::duration>(whole) + fraction)};
}

std::string now_timestamp() {
  return format_timestamp(clock_type::now());
}

} // namespace memoryd::storage
