#include <boost/test/unit_test.hpp>

#include "storage/errors.hpp"
#include "storage/preferences_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

BOOST_AUTO_TEST_SUITE(preferences_repository_cases)

STORAGE_TEST_CASE(find_returns_preferences_and_revision) {
  auto db = fresh_database(backend_name);
  auto s = make_session();
  s.preferences_json = R"({"default_site_type": "portfolio", "ü": "✓"})";
  session_repository{*db.sql}.create(s);
  preferences_repository prefs{*db.sql};

  const auto p = prefs.find(s.session_id);
  BOOST_TEST_REQUIRE(p.has_value());
  BOOST_TEST(p->session_id == s.session_id);
  BOOST_TEST(same_json(p->preferences_json, s.preferences_json));
  BOOST_TEST(p->revision == 1);
  BOOST_TEST(!prefs.find(random_uuid()).has_value());
  BOOST_TEST(!prefs.find("bad id").has_value());
}

STORAGE_TEST_CASE(replace_bumps_the_session_revision) {
  auto db = fresh_database(backend_name);
  auto s = make_session("", "2026-11-24T02:00:00.000000Z");
  s.state_json = R"({"keep": "me"})";
  session_repository{*db.sql}.create(s);
  preferences_repository prefs{*db.sql};

  const auto r = prefs.replace(s.session_id, "", R"({"design_style": "retro"})",
                               1, "2026-11-24T05:00:00.000000Z");
  BOOST_TEST(r.revision == 2);
  BOOST_TEST(same_json(r.preferences_json, R"({"design_style": "retro"})"));
  BOOST_TEST(same_json(r.state_json, R"({"keep": "me"})"));
  BOOST_TEST(r.updated_at == "2026-11-24T05:00:00.000000Z");
  BOOST_TEST(r.created_at == "2026-11-24T02:00:00.000000Z");

  const auto p = prefs.find(s.session_id);
  BOOST_TEST(p->revision == 2);
  BOOST_TEST(same_json(p->preferences_json, R"({"design_style": "retro"})"));
}

STORAGE_TEST_CASE(replace_with_a_stale_revision_changes_nothing) {
  auto db = fresh_database(backend_name);
  auto s = make_session();
  s.preferences_json = R"({"a": 1})";
  session_repository{*db.sql}.create(s);
  preferences_repository prefs{*db.sql};
  prefs.replace(s.session_id, "", R"({"a": 2})", 1, "2026-11-24T05:00:00Z");

  try {
    prefs.replace(s.session_id, "", R"({"a": 3})", 1, "2026-11-24T06:00:00Z");
    BOOST_FAIL("a stale revision was accepted");
  } catch (const precondition_failed& e) {
    BOOST_TEST(e.current_revision == 2);
  }
  const auto p = prefs.find(s.session_id);
  BOOST_TEST(p->revision == 2);
  BOOST_TEST(same_json(p->preferences_json, R"({"a": 2})"));

  BOOST_CHECK_THROW(prefs.replace(random_uuid(), "", "{}", 1,
                                  "2026-11-24T06:00:00Z"),
                    not_found);
}

BOOST_AUTO_TEST_CASE(json_comparison_ignores_key_order) {
  // same_json() is what makes the JSON checks above meaningful.
  BOOST_TEST(same_json(R"({"a": 1, "b": [1, 2]})", R"({"b":[1,2],"a":1})"));
  BOOST_TEST(!same_json(R"({"a": 1})", R"({"a": 2})"));
  BOOST_TEST(!same_json(R"({"b": [1, 2]})", R"({"b": [2, 1]})"));
}

BOOST_AUTO_TEST_SUITE_END()
