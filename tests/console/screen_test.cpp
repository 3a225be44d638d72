#include "apps/memoryctl/screen.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "apps/memoryctl/stats_view.hpp"
#include "tests/console/fixture.hpp"

using namespace memoryctl;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The line of `lines` that contains `part`, or nullptr.
const screen_line* line_with(const std::vector<screen_line>& lines,
                             const std::string& part) {
  for (const auto& l : lines)
    if (contains(l.text, part))
      return &l;
  return nullptr;
}

struct fixture {
  stats_snapshot stats = parse_stats(test::fixture_text());
  mailbox_history history;
  view_state view;

  fixture() {
    view.url = "http://127.0.0.1:8080";
    view.clock = "07:50:00";
    view.console_cpu_percent = 0.25;
    history.record(stats);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(screen, fixture)

BOOST_AUTO_TEST_CASE(the_header_says_how_the_daemon_is) {
  auto text = to_plain_text(render_frame(&stats, history, view));
  BOOST_TEST_MESSAGE(text);
  for (const auto* part :
       {"memoryd 0.1.0 at http://127.0.0.1:8080", "up 2m03s", "812.4/s",
        "p99 3.20ms", "in flight 3", "5xx 0/s (0.0%)",
        "cache redis up, hit ratio 91.7%", "database postgresql up",
        "pool 2/20 in use, 1 queued", "console cpu 0.2%",
        "daemon render 0.42ms", "actors 2: 1 stalled, 0 busy"})
    BOOST_TEST(contains(text, part), part);
}

BOOST_AUTO_TEST_CASE(a_stalled_row_stands_out_and_says_what_waits) {
  auto lines = render_frame(&stats, history, view);
  const auto* row = line_with(lines, "storage-3");
  BOOST_REQUIRE(row != nullptr);
  BOOST_TEST(contains(row->text, "stalled"));
  BOOST_TEST(contains(row->text, "ver_add for 5.01s, request "
                                 "c3d1e2f4-0000-4000-8000-000000000001, "
                                 "5 waiting, oldest 5.01s"));
  BOOST_TEST((row->look == look::stalled || row->look == look::stalled_selected));
  const auto* idle = line_with(lines, "front-0");
  BOOST_REQUIRE(idle != nullptr);
  BOOST_TEST(contains(idle->text, "idle"));
  BOOST_TEST(contains(idle->text, "400.2"));
  // Stalled first: the default order is by state, worst first.
  BOOST_TEST(row < idle);
  auto terminal = to_terminal(lines, 200, 50);
  BOOST_TEST(contains(terminal, "\x1b[1;37;41m  storage-3"));
}

BOOST_AUTO_TEST_CASE(plain_text_has_no_escapes_and_the_heading_marks_the_sort) {
  view.once = true;
  view.order = {column::rate, true};
  auto text = to_plain_text(render_frame(&stats, history, view));
  BOOST_TEST(!contains(text, "\x1b"));
  BOOST_TEST(contains(text, "MSG/S▲"));
  // --once has no key line.
  BOOST_TEST(!contains(text, "h help"));
}

BOOST_AUTO_TEST_CASE(the_filter_hides_other_actors_and_is_shown) {
  view.filter = "front";
  auto text = to_plain_text(render_frame(&stats, history, view));
  BOOST_TEST(contains(text, "front-0"));
  BOOST_TEST(!contains(text, "storage-3"));
  BOOST_TEST(contains(text, "filter \"front\""));
  view.typing_filter = "fro";
  text = to_plain_text(render_frame(&stats, history, view));
  BOOST_TEST(contains(text, "filter by name: fro_"));
}

BOOST_AUTO_TEST_CASE(the_drill_down_lists_the_slowest_messages) {
  view.drill = "storage-3";
  auto text = to_plain_text(render_frame(&stats, history, view));
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(contains(text, "actor storage-3 (storage, detached): stalled"));
  BOOST_TEST(contains(text, "doing ver_add for 5.01s, request "
                            "c3d1e2f4-0000-4000-8000-000000000001"));
  BOOST_TEST(contains(text, "waiting requests 5, the oldest for 5.01s"));
  BOOST_TEST(contains(text, "handler p50 1.20ms  p99 8.80ms  max 5.01s"));
  BOOST_TEST(contains(text, "mailbox 4 now, peak 4 lately, 9 since start"));
  const auto* slow = line_with(render_frame(&stats, history, view), "c3d1…");
  BOOST_REQUIRE(slow != nullptr);
  BOOST_TEST(contains(slow->text, "ver_add"));
  BOOST_TEST(contains(slow->text, "4.20s"));
  BOOST_TEST(contains(slow->text, "800ms ago"));
  view.drill = "gone-1";
  text = to_plain_text(render_frame(&stats, history, view));
  BOOST_TEST(contains(text, "actor gone-1 is gone"));
}

BOOST_AUTO_TEST_CASE(an_unreachable_daemon_gets_a_banner) {
  view.banner = "daemon not answering since 07:51:02: Connection refused";
  auto lines = render_frame(&stats, history, view);
  BOOST_TEST(lines.front().text == view.banner);
  BOOST_TEST((lines.front().look == look::banner));
  // Before any answer: the banner and no table.
  auto text = to_plain_text(render_frame(nullptr, history, view));
  BOOST_TEST(contains(text, "no answer yet"));
  BOOST_TEST(!contains(text, "ACTOR"));
}

BOOST_AUTO_TEST_CASE(the_help_names_every_key_and_column) {
  std::string text = to_plain_text(help_lines());
  for (const auto* part : {"1 … 9", "< >", " r ", " / ", "k j", "Enter  d",
                           "Esc  b", "p  space", "+  -", "h  ?", "q  Ctrl-C",
                           "ACTOR", "TYPE", "MSG/S", "MBOX", "PEAK", "TREND",
                           "HANDLER99", "WAIT99", "ERRORS", "STATE"})
    BOOST_TEST(contains(text, part), part);
}

BOOST_AUTO_TEST_CASE(lines_fit_the_terminal) {
  BOOST_TEST(fit("storage-3", 5) == "stor…");
  BOOST_TEST(fit("↑ ▁▂", 3) == "↑ …");
  BOOST_TEST(fit("ab", 4, true) == "ab  ");
  BOOST_TEST(display_width("↑▁x") == 3u);
  auto lines = render_frame(&stats, history, view);
  auto out = to_terminal(lines, 40, 5);
  // Five rows: four lines and the key line.
  std::size_t rows = 1;
  for (std::size_t i = out.find("\r\n"); i != std::string::npos;
       i = out.find("\r\n", i + 1))
    ++rows;
  BOOST_TEST(rows == 5u);
  BOOST_TEST(contains(out, "h help"));
}

BOOST_AUTO_TEST_CASE(a_long_table_scrolls_with_the_cursor) {
  boost::json::array actors;
  for (int i = 0; i < 60; ++i)
    actors.push_back(boost::json::object{{"name", "redis-" + std::to_string(i)},
                                         {"state", "idle"}});
  boost::json::object doc{{"actors", actors}};
  auto many = parse_stats(boost::json::value(doc));
  view.order = {column::name, false};
  view.height = 30;
  view.selected = "redis-0";
  auto lines = render_frame(&many, history, view);
  BOOST_TEST(lines.size() <= 30u);
  auto text = to_plain_text(lines);
  BOOST_TEST(contains(text, "> redis-0 "));
  BOOST_TEST(!contains(text, "redis-59 "));
  BOOST_TEST(contains(text, "rows 1-"));
  BOOST_TEST(contains(text, " of 60"));
  view.selected = "redis-59";
  lines = render_frame(&many, history, view);
  BOOST_TEST(lines.size() <= 30u);
  text = to_plain_text(lines);
  BOOST_TEST(contains(text, "> redis-59 "));
  BOOST_TEST(!contains(text, "redis-0 "));
  BOOST_TEST(contains(text, "-60 of 60"));
  // --once: every row.
  view.height = 0;
  text = to_plain_text(render_frame(&many, history, view));
  BOOST_TEST(contains(text, "redis-0 "));
  BOOST_TEST(contains(text, "redis-59 "));
}

BOOST_AUTO_TEST_SUITE_END()
