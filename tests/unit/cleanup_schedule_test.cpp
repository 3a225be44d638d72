// When the retention cleanup runs: the next CLEANUP_AT in UTC, the catch-up
// rule at start, how long the scheduler sleeps, and the rest after a batch.

#include <boost/test/unit_test.hpp>

#include "actors/cleanup_schedule.hpp"
#include "storage/timestamp.hpp"

using namespace memoryd;
using namespace std::chrono_literals;

namespace {

wall_time at(const char* text) {
  return *storage::parse_timestamp(text);
}

std::string text(wall_time t) {
  return storage::format_timestamp(t);
}

} // namespace

BOOST_AUTO_TEST_SUITE(cleanup_schedule)

BOOST_AUTO_TEST_CASE(the_next_run_is_the_next_cleanup_at_in_utc) {
  BOOST_TEST(text(next_daily(at("2026-11-25T01:59:59.999999Z"), 2, 0))
             == "2026-11-25T02:00:00.000000Z");
  // Strictly after: the run at 02:00 does not schedule itself again.
  BOOST_TEST(text(next_daily(at("2026-11-25T02:00:00.000000Z"), 2, 0))
             == "2026-11-26T02:00:00.000000Z");
  BOOST_TEST(text(next_daily(at("2026-11-25T02:00:00.000001Z"), 2, 0))
             == "2026-11-26T02:00:00.000000Z");
  BOOST_TEST(text(next_daily(at("2026-11-25T23:30:00.000000Z"), 0, 15))
             == "2026-11-26T00:15:00.000000Z");
  BOOST_TEST(text(next_daily(at("2026-12-31T23:59:00.000000Z"), 23, 59))
             == "2027-01-01T23:59:00.000000Z");
  BOOST_TEST(text(next_daily(at("2028-02-28T12:00:00.000000Z"), 3, 30))
             == "2028-02-29T03:30:00.000000Z");
}

BOOST_AUTO_TEST_CASE(a_start_catches_up_when_the_last_success_is_over_a_day_old) {
  const auto now = at("2026-11-25T12:00:00.000000Z");
  BOOST_TEST(!needs_catch_up(std::nullopt, now), "no run recorded: wait");
  BOOST_TEST(!needs_catch_up(now - 23h, now));
  BOOST_TEST(!needs_catch_up(now - 24h, now));
  BOOST_TEST(needs_catch_up(now - 24h - 1s, now));
  BOOST_TEST(needs_catch_up(now - 48h, now));
}

BOOST_AUTO_TEST_CASE(the_scheduler_never_sleeps_past_its_longest_sleep) {
  const auto now = at("2026-11-25T01:00:00.000000Z");
  BOOST_TEST((sleep_before(now, now + 30s, 60s) == 30s));
  BOOST_TEST((sleep_before(now, now + 23h, 60s) == 60s));
  BOOST_TEST((sleep_before(now, now - 5s, 60s) == 0s), "overdue: at once");
}

BOOST_AUTO_TEST_CASE(the_rest_after_a_batch_is_the_pause_plus_a_share_of_its_time) {
  BOOST_TEST(rest_after_batch(25ms, 0, 80ms) == 25ms);
  BOOST_TEST(rest_after_batch(0ms, 50, 80ms) == 40ms);
  BOOST_TEST(rest_after_batch(10ms, 150, 80ms) == 130ms);
  BOOST_TEST(rest_after_batch(0ms, 0, 80ms) == 0ns, "0 and 0: no rest");
  BOOST_TEST(rest_after_batch(5ms, 100, -1ms) == 5ms, "a clock step back");
}

BOOST_AUTO_TEST_SUITE_END()
