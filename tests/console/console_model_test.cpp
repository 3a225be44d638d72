#include "apps/memoryctl/console_model.hpp"

#include <string>

#include <boost/test/unit_test.hpp>

#include "apps/memoryctl/stats_view.hpp"
#include "tests/console/fixture.hpp"

using namespace memoryctl;

namespace {

key ch(char c) {
  return {key::character, c};
}

key named(key::code_t code) {
  return {code, 0};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct fixture {
  console_model model{"http://127.0.0.1:8080", 2};

  fixture() { model.answered(parse_stats(test::fixture_text()), "07:50:00"); }

  std::string text() { return to_plain_text(model.frame()); }

  void type(const std::string& s) {
    for (char c : s)
      model.handle(ch(c));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(console_keys, fixture)

BOOST_AUTO_TEST_CASE(numbers_sort_and_the_same_number_reverses) {
  BOOST_TEST((model.view().order.by == column::state));
  model.handle(ch('3'));
  BOOST_TEST((model.view().order.by == column::rate));
  BOOST_TEST(!model.view().order.reversed);
  BOOST_TEST(contains(text(), "MSG/S▼"));
  // front-0 (400/s) before storage-3 (20/s).
  auto t = text();
  BOOST_TEST(t.find("front-0") < t.find("storage-3"));
  model.handle(ch('3'));
  BOOST_TEST(model.view().order.reversed);
  model.handle(ch('r'));
  BOOST_TEST(!model.view().order.reversed);
  model.handle(ch('<'));
  BOOST_TEST((model.view().order.by == column::type));
  model.handle(ch('>'));
  model.handle(named(key::right));
  BOOST_TEST((model.view().order.by == column::mailbox));
  model.handle(ch('1'));
  model.handle(ch('<'));  // wraps around
  BOOST_TEST((model.view().order.by == column::state));
}

BOOST_AUTO_TEST_CASE(slash_types_a_filter_enter_applies_esc_clears) {
  model.handle(ch('/'));
  type("FRO");
  BOOST_TEST(contains(text(), "filter by name: FRO_"));
  // While typing, q and digits are text.
  model.handle(ch('q'));
  model.handle(named(key::backspace));
  BOOST_TEST((model.handle(named(key::enter)) == console_model::action::redraw));
  BOOST_TEST(model.view().filter == "FRO");
  BOOST_TEST(contains(text(), "front-0"));
  BOOST_TEST(!contains(text(), "storage-3"));
  // Esc while typing keeps the old filter; Esc in the table clears it.
  model.handle(ch('/'));
  type("x");
  model.handle(named(key::escape));
  BOOST_TEST(model.view().filter == "FRO");
  model.handle(named(key::escape));
  BOOST_TEST(model.view().filter.empty());
  BOOST_TEST(contains(text(), "storage-3"));
}

BOOST_AUTO_TEST_CASE(the_cursor_moves_and_enter_drills_into_its_actor) {
  // By state: storage-3 (stalled) first, the cursor on it.
  text();
  BOOST_TEST(model.view().selected == "storage-3");
  model.handle(ch('j'));
  BOOST_TEST(model.view().selected == "front-0");
  model.handle(named(key::down));  // stays on the last row
  BOOST_TEST(model.view().selected == "front-0");
  model.handle(named(key::up));
  model.handle(ch('d'));
  BOOST_REQUIRE(model.view().drill.has_value());
  BOOST_TEST(*model.view().drill == "storage-3");
  BOOST_TEST(contains(text(), "its slowest messages of the last minute"));
  // Sort keys do nothing in the details; Esc goes back.
  model.handle(ch('3'));
  BOOST_TEST((model.view().order.by == column::state));
  model.handle(named(key::escape));
  BOOST_TEST(!model.view().drill.has_value());
  model.handle(named(key::enter));
  BOOST_TEST(model.view().drill.has_value());
  model.handle(ch('b'));
  BOOST_TEST(!model.view().drill.has_value());
}

BOOST_AUTO_TEST_CASE(pause_interval_help_and_quit) {
  BOOST_TEST((model.handle(ch('p')) == console_model::action::redraw));
  BOOST_TEST(model.view().paused);
  BOOST_TEST(contains(text(), "PAUSED"));
  BOOST_TEST((model.handle(ch(' ')) == console_model::action::fetch_now));
  BOOST_TEST(!model.view().paused);
  model.handle(ch('+'));
  BOOST_TEST(model.view().interval_seconds == 3);
  for (int i = 0; i < 20; ++i)
    model.handle(ch('+'));
  BOOST_TEST(model.view().interval_seconds == 60);
  for (int i = 0; i < 20; ++i)
    model.handle(ch('-'));
  BOOST_TEST(model.view().interval_seconds == 0.5);
  console_model odd{"u", 4};
  odd.handle(ch('+'));
  BOOST_TEST(odd.view().interval_seconds == 5);
  model.handle(ch('?'));
  BOOST_TEST(contains(text(), "HANDLER99   p99 time in the handler"));
  model.handle(ch('x'));  // any key closes the help
  BOOST_TEST(!model.view().help);
  BOOST_TEST((model.handle(ch('q')) == console_model::action::quit));
}

BOOST_AUTO_TEST_CASE(a_failure_shows_a_banner_until_the_next_answer) {
  model.failed("Connection refused", "07:51:02");
  model.failed("Connection refused", "07:51:04");
  auto t = text();
  BOOST_TEST(contains(t, "daemon not answering since 07:51:02: Connection "
                         "refused (figures of 07:50:00)"),
             t);
  BOOST_TEST(contains(t, "storage-3"));  // the last figures stay
  model.answered(parse_stats(test::fixture_text()), "07:51:06");
  BOOST_TEST(!contains(text(), "not answering"));
  model.failed("timed out", "07:52:00");
  BOOST_TEST(contains(text(), "since 07:52:00: timed out"));
}

BOOST_AUTO_TEST_SUITE_END()
