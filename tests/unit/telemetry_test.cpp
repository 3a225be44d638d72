// The telemetry primitives: histogram quantiles, a probe's mailbox and
// stall judgement, the slowest-messages memory, and the seqlock under a
// concurrent writer.

#include <atomic>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "telemetry/actor_probe.hpp"
#include "telemetry/actor_state.hpp"
#include "telemetry/histogram.hpp"
#include "telemetry/http_metrics.hpp"
#include "telemetry/seqlock_cell.hpp"

using namespace memoryd::telemetry;

namespace {

constexpr int64_t us = 1000;
constexpr int64_t ms = 1000 * us;
constexpr int64_t s = 1000 * ms;

} // namespace

BOOST_AUTO_TEST_SUITE(telemetry)

BOOST_AUTO_TEST_CASE(histogram_quantiles_fall_in_the_right_bucket) {
  log_histogram h;
  for (int i = 0; i < 99; ++i)
    h.observe(3 * us);  // bucket (2 µs, 4 µs]
  h.observe(900 * ms);   // one slow one
  auto counts = h.read();
  BOOST_TEST(counts.count() == 100u);
  auto p50 = counts.quantile_ns(0.5, h.max_ns());
  BOOST_TEST(p50 > 2 * us);
  BOOST_TEST(p50 <= 4 * us);
  auto p99 = counts.quantile_ns(0.99, h.max_ns());
  BOOST_TEST(p99 <= 4 * us);
  // The top quantile is capped by the true maximum, not the bucket's bound.
  BOOST_TEST(counts.quantile_ns(1.0, h.max_ns()) == static_cast<double>(900 * ms));
  BOOST_TEST(h.take_max_ns() == 900 * ms);
  BOOST_TEST(h.max_ns() == 0);
  BOOST_TEST(log_histogram{}.read().quantile_ns(0.99) == 0);
}

BOOST_AUTO_TEST_CASE(histogram_differences_give_the_recent_window) {
  log_histogram h;
  for (int i = 0; i < 50; ++i)
    h.observe(10 * ms);
  auto earlier = h.read();
  for (int i = 0; i < 10; ++i)
    h.observe(50 * us);
  auto recent = h.read().since(earlier);
  BOOST_TEST(recent.count() == 10u);
  BOOST_TEST(recent.quantile_ns(0.99) <= 64 * us);
  BOOST_TEST(recent.sum_ns == 10 * 50 * us);
}

BOOST_AUTO_TEST_CASE(a_probe_counts_its_mailbox_and_wait) {
  actor_probe p{"storage-0", "storage", actor_kind::detached};
  p.enqueued(100 * ms);
  p.enqueued(101 * ms);
  p.enqueued(102 * ms);
  auto r = p.read();
  BOOST_TEST(r.mailbox == 3);
  BOOST_TEST(r.mailbox_peak == 3);
  BOOST_TEST(p.pending() == 3);
  BOOST_TEST(r.oldest_queued_ns == 100 * ms);
  p.begin("req-1", 100 * ms, "ver_add", 105 * ms);
  r = p.read();
  BOOST_TEST(r.mailbox == 2);
  BOOST_TEST(r.oldest_queued_ns == 101 * ms);
  BOOST_TEST(r.current.request_id.view() == "req-1");
  BOOST_TEST(std::string_view{r.current.what} == "ver_add");
  BOOST_TEST(r.wait.count() == 1u);
  BOOST_TEST(r.wait.quantile_ns(1.0, p.wait_histogram().max_ns())
             == static_cast<double>(5 * ms));
  p.end(108 * ms);
  r = p.read();
  BOOST_TEST(r.handled == 1u);
  BOOST_TEST(r.current.since_ns == 0);
  BOOST_TEST(p.pending() == 2);
  BOOST_TEST(p.take_mailbox_peak() == 3);
  BOOST_TEST(p.take_mailbox_peak() == 0);
}

BOOST_AUTO_TEST_CASE(long_handlers_and_untaken_queues_are_stalled) {
  actor_probe p{"storage-1", "storage", actor_kind::detached};
  const int64_t threshold = 2 * s;
  auto judge_at = [&](int64_t now) { return judge(p.read(), now, threshold); };
  BOOST_TEST(to_string(judge_at(10 * s).state) == "idle");
  p.enqueued(10 * s);
  p.enqueued(10 * s + ms);
  p.begin("a", 10 * s, "ver_add", 10 * s);
  auto busy = judge_at(11 * s);
  BOOST_TEST(to_string(busy.state) == "busy");
  BOOST_TEST(busy.waiting_requests == 2);
  auto stalled = judge_at(13 * s);
  BOOST_TEST(to_string(stalled.state) == "stalled");
  BOOST_TEST(stalled.busy_ns == 3 * s);
  BOOST_TEST(stalled.oldest_wait_ns == 3 * s);
  p.end(13 * s);
  // Idle between messages with one queued: stalled once it waits too long
  // (an event-based actor starved of scheduler threads).
  BOOST_TEST(to_string(judge_at(13 * s + ms).state) == "busy");
  auto starved = judge_at(15 * s + 2 * ms);
  BOOST_TEST(to_string(starved.state) == "stalled");
  BOOST_TEST(starved.waiting_requests == 1);
  BOOST_TEST(starved.oldest_wait_ns == 5 * s + ms);
  BOOST_TEST(to_string(judge_at(14 * s).state) == "busy");
}

BOOST_AUTO_TEST_CASE(the_slowest_recent_messages_are_kept) {
  actor_probe p{"site-0", "site", actor_kind::event_based};
  int64_t now = 1 * s;
  for (int i = 0; i < 20; ++i) {
    p.enqueued(now);
    p.begin("r" + std::to_string(i), now, "ver_add", now);
    now += (i + 1) * ms;
    p.end(now);
  }
  auto slowest = p.slowest(now);
  BOOST_REQUIRE(slowest.size() == actor_probe::slow_slots);
  BOOST_TEST(slowest.front().request_id.view() == "r19");
  BOOST_TEST(slowest.front().handler_ns == 20 * ms);
  BOOST_TEST(slowest.back().request_id.view() == "r12");
  // Forgotten after a minute, replaced by anything.
  auto later = now + actor_probe::slow_memory_ns + 1;
  BOOST_TEST(p.slowest(later).empty());
  p.enqueued(later);
  p.begin("fast", later, "ver_get", later);
  p.end(later + us);
  BOOST_TEST(p.slowest(later + us).size() == 1u);
}

BOOST_AUTO_TEST_CASE(long_request_ids_are_cut_not_overflowed) {
  auto text = short_text::of(std::string(200, 'x'));
  BOOST_TEST(text.view().size() == text.chars.size());
}

BOOST_AUTO_TEST_CASE(a_seqlock_reader_never_sees_a_torn_value) {
  struct pair_of {
    int64_t a = 0;
    int64_t b = 0;
    std::array<char, 40> pad{};
  };
  seqlock_cell<pair_of> cell;
  std::atomic<bool> done{false};
  std::thread writer{[&] {
    for (int64_t i = 1; i < 200000; ++i)
      cell.store({i, -i, {}});
    done = true;
  }};
  uint64_t torn = 0;
  while (!done) {
    auto v = cell.load();
    torn += v.a != -v.b;
  }
  writer.join();
  BOOST_TEST(torn == 0u);
}

BOOST_AUTO_TEST_CASE(http_metrics_count_by_route_and_code) {
  http_metrics m{{{"GET", "/a"}, {"POST", "/b"}}};
  BOOST_TEST(m.labels().size() == 3u);
  BOOST_TEST(m.labels()[m.unmatched()].route == "unmatched");
  m.record(0, 200, ms);
  m.record(0, 200, ms);
  m.record(1, 503, ms);
  m.record(99, 404, ms);  // out of range: unmatched
  m.record(0, 1000, ms);  // out of range: counted as 599
  BOOST_TEST(m.count(0, 200) == 2u);
  BOOST_TEST(m.count(1, 503) == 1u);
  BOOST_TEST(m.count(m.unmatched(), 404) == 1u);
  BOOST_TEST(m.count(0, 599) == 1u);
  BOOST_TEST(m.latency(0).read().count() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
