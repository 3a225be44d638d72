#include "apps/memoryctl/stats_view.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "tests/console/fixture.hpp"

using namespace memoryctl;
namespace json = boost::json;

namespace {

std::vector<std::string> names(const std::vector<const actor_stats*>& rows) {
  std::vector<std::string> out;
  for (const auto* a : rows)
    out.push_back(a->name);
  return out;
}

json::object actor(std::string name, double rate, int64_t mailbox,
                   std::string state) {
  return {{"name", name},       {"type", "t"},     {"per_second", rate},
          {"mailbox", mailbox}, {"state", state},  {"errors", 0},
          {"handler_ms", {{"p99", rate / 10}}}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(stats_view)

BOOST_AUTO_TEST_CASE(parses_the_documented_shape) {
  auto s = parse_stats(test::fixture_text());
  BOOST_TEST(s.version == "0.1.0");
  BOOST_TEST(s.uptime_seconds == 123.456);
  BOOST_TEST(s.requests_per_second == 812.4);
  BOOST_TEST(s.latency_ms.p99 == 3.2);
  BOOST_TEST(s.requests_in_flight == 3);
  BOOST_TEST(s.cache_kind == "redis");
  BOOST_TEST(s.cache_up);
  BOOST_REQUIRE(s.hit_ratio.has_value());
  BOOST_TEST(*s.hit_ratio == 0.917);
  BOOST_TEST(s.database_kind == "postgresql");
  BOOST_TEST(s.pool_size == 20);
  BOOST_TEST(s.pool_in_use == 2);
  BOOST_TEST(s.pool_queued == 1);
  BOOST_TEST(s.render_ms == 0.42);
  BOOST_REQUIRE_EQUAL(s.actors.size(), 2u);
  const auto& st = s.actors[1];
  BOOST_TEST(st.name == "storage-3");
  BOOST_TEST(st.stalled());
  BOOST_TEST(st.kind == "detached");
  BOOST_TEST(st.mailbox == 4);
  BOOST_TEST(st.mailbox_peak == 9);
  BOOST_TEST(st.handler_ms.max == 5012.0);
  BOOST_TEST(st.wait_ms.p99 == 3000.1);
  BOOST_TEST(st.doing == "ver_add");
  BOOST_TEST(st.request_id == "c3d1e2f4-0000-4000-8000-000000000001");
  BOOST_TEST(st.waiting_requests == 5);
  BOOST_REQUIRE_EQUAL(st.slowest.size(), 1u);
  BOOST_TEST(st.slowest[0].handler_ms == 4200.1);
}

BOOST_AUTO_TEST_CASE(missing_fields_read_as_zero_and_null_ratio_as_none) {
  auto s = parse_stats(std::string_view{
    R"({"cache":{"hit_ratio":null},"actors":[{"name":"a"},7]})"});
  BOOST_TEST(!s.hit_ratio.has_value());
  BOOST_TEST(s.requests_per_second == 0);
  BOOST_REQUIRE_EQUAL(s.actors.size(), 1u);
  BOOST_TEST(s.actors[0].mailbox == 0);
  BOOST_CHECK_THROW(parse_stats(std::string_view{"[1]"}), std::runtime_error);
  BOOST_CHECK_THROW(parse_stats(std::string_view{"{"}), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(sorts_by_each_column_and_filters_by_name) {
  json::object doc{{"actors", json::array{actor("front-0", 400, 0, "idle"),
                                          actor("storage-1", 20, 4, "stalled"),
                                          actor("cache-0", 90, 1, "busy")}}};
  auto s = parse_stats(json::value(doc));
  using v = std::vector<std::string>;
  // State by default: stalled, busy, idle.
  BOOST_TEST(names(visible_actors(s, "", {})) == (v{"storage-1", "cache-0",
                                                    "front-0"}),
             boost::test_tools::per_element());
  BOOST_TEST(names(visible_actors(s, "", {column::rate, false}))
               == (v{"front-0", "cache-0", "storage-1"}),
             boost::test_tools::per_element());
  BOOST_TEST(names(visible_actors(s, "", {column::rate, true}))
               == (v{"storage-1", "cache-0", "front-0"}),
             boost::test_tools::per_element());
  BOOST_TEST(names(visible_actors(s, "", {column::name, false}))
               == (v{"cache-0", "front-0", "storage-1"}),
             boost::test_tools::per_element());
  BOOST_TEST(names(visible_actors(s, "", {column::mailbox, false}))
               == (v{"storage-1", "cache-0", "front-0"}),
             boost::test_tools::per_element());
  BOOST_TEST(names(visible_actors(s, "STOR", {})) == (v{"storage-1"}),
             boost::test_tools::per_element());
  BOOST_TEST(visible_actors(s, "nothing", {}).empty());
}

BOOST_AUTO_TEST_CASE(names_sort_with_their_numbers_as_numbers) {
  BOOST_TEST(natural_compare("redis-2", "redis-10") < 0);
  BOOST_TEST(natural_compare("redis-10", "redis-9") > 0);
  BOOST_TEST(natural_compare("redis-02", "redis-2") != 0);
  BOOST_TEST(natural_compare("redis", "redis-0") < 0);
  BOOST_TEST(natural_compare("front-1", "redis-0") < 0);
  BOOST_TEST(natural_compare("a", "a") == 0);
}

BOOST_AUTO_TEST_CASE(trend_and_sparkline_follow_the_frames) {
  mailbox_history h;
  auto frame = [&](int64_t depth) {
    json::object doc{{"actors", json::array{actor("a", 1, depth, "idle")}}};
    h.record(parse_stats(json::value(doc)));
  };
  frame(0);
  BOOST_TEST(h.trend("a") == "");
  frame(3);
  BOOST_TEST(h.trend("a") == "↑");
  frame(1);
  BOOST_TEST(h.trend("a") == "↓");
  frame(1);
  BOOST_TEST(h.trend("a") == "→");
  BOOST_TEST(h.sparkline("a") == "▁█▄▄");
  for (int i = 0; i < 20; ++i)
    frame(i);
  BOOST_TEST(h.of("a").size() == mailbox_history::depth);
  // An actor that is gone is forgotten.
  json::object empty{{"actors", json::array{}}};
  h.record(parse_stats(json::value(empty)));
  BOOST_TEST(h.of("a").empty());
}

BOOST_AUTO_TEST_CASE(formats_durations_rates_and_uptimes) {
  BOOST_TEST(format_ms(0) == "0ms");
  BOOST_TEST(format_ms(0.414) == "0.41ms");
  BOOST_TEST(format_ms(12.6) == "13ms");
  BOOST_TEST(format_ms(5012.3) == "5.01s");
  BOOST_TEST(format_ms(125'000) == "2m05s");
  BOOST_TEST(format_rate(0) == "0");
  BOOST_TEST(format_rate(812.44) == "812.4");
  BOOST_TEST(format_rate(1.5) == "1.50");
  BOOST_TEST(format_uptime(123.456) == "2m03s");
  BOOST_TEST(format_uptime(3 * 3600 + 4 * 60) == "3h04m");
  BOOST_TEST(format_uptime(2 * 86400 + 3 * 3600) == "2d03h");
}

BOOST_AUTO_TEST_SUITE_END()
