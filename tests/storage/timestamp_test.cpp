#include <algorithm>
#include <chrono>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "storage/timestamp.hpp"

using namespace std::chrono;
using namespace memoryd::storage;

BOOST_AUTO_TEST_SUITE(timestamp)

BOOST_AUTO_TEST_CASE(formats_utc_with_microseconds) {
  BOOST_TEST(format_timestamp(clock_type::time_point{}) ==
             "1970-01-01T00:00:00.000000Z");
  const auto t = sys_days{2026y / 11 / 24} + 2h + 3min + 4s + 123456us + 789ns;
  // Truncated, not rounded, to microseconds.
  BOOST_TEST(format_timestamp(time_point_cast<clock_type::duration>(t)) ==
             "2026-11-24T02:03:04.123456Z");
  const auto before_epoch = sys_days{1969y / 12 / 31} + 23h + 59min + 59s
                            + 500ms;
  BOOST_TEST(format_timestamp(time_point_cast<clock_type::duration>(
               before_epoch)) == "1969-12-31T23:59:59.500000Z");
}

BOOST_AUTO_TEST_CASE(parses_every_documented_form) {
  const auto expected = clock_type::time_point{
    sys_days{2026y / 11 / 24} + 2h + 0min + 5s + 120ms};
  for (const char* text :
       {"2026-11-24T02:00:05.12Z", "2026-11-24 02:00:05.120000+00",
        "2026-11-24T02:00:05.120000000+00:00", "2026-11-24T02:00:05.12+00"}) {
    BOOST_TEST_CONTEXT(text) {
      const auto t = parse_timestamp(text);
      BOOST_TEST_REQUIRE(t.has_value());
      BOOST_TEST((*t == expected));
    }
  }
  const auto whole = parse_timestamp("2026-11-24T02:00:05Z");
  BOOST_TEST_REQUIRE(whole.has_value());
  BOOST_TEST(format_timestamp(*whole) == "2026-11-24T02:00:05.000000Z");
}

BOOST_AUTO_TEST_CASE(rejects_everything_else) {
  for (const char* text :
       {"", "2026-11-24", "2026-11-24T02:00:05", "2026-11-24T02:00:05+01:00",
        "2026-11-24T02:00:05.Z", "2026-11-24T02:00:05.1234567890Z",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-11-24T24:00:00Z", "2026-11-24T23:60:00Z",
        "2026-11-24T23:59:60Z", "2026-11-24T02:00:05Zjunk",
        "2026-11-24X02:00:05Z", "20261124T020005Z", "now"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(!parse_timestamp(text).has_value());
    }
  }
  BOOST_TEST(parse_timestamp("2028-02-29T00:00:00Z").has_value());
}

BOOST_AUTO_TEST_CASE(round_trips_and_sorts_as_text) {
  std::vector<clock_type::time_point> times{
    sys_days{2026y / 11 / 24} + 2h + 1us, sys_days{2026y / 11 / 24} + 2h,
    sys_days{2026y / 1 / 1}, sys_days{2026y / 11 / 24} + 2h + 999999us,
    sys_days{1999y / 12 / 31} + 23h};
  std::vector<std::string> texts;
  for (auto t : times) {
    const auto text = format_timestamp(t);
    BOOST_TEST(text.size() == 27u);
    BOOST_TEST((parse_timestamp(text) == t));
    texts.push_back(text);
  }
  std::ranges::sort(times);
  std::ranges::sort(texts);
  for (std::size_t i = 0; i < times.size(); ++i)
    BOOST_TEST(format_timestamp(times[i]) == texts[i]);
}

BOOST_AUTO_TEST_CASE(now_is_now) {
  const auto before = floor<microseconds>(clock_type::now());
  const auto t = parse_timestamp(now_timestamp());
  const auto after = clock_type::now();
  BOOST_TEST_REQUIRE(t.has_value());
  BOOST_TEST((*t >= before && *t <= after));
}

BOOST_AUTO_TEST_SUITE_END()
