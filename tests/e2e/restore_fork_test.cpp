// Restoring a version and forking a site, against the real daemon on the
// run's backend: what the new version or site holds, that the cache shows
// it at once, that a restore takes its gapless number among concurrent
// writers, retries with an Idempotency-Key, and bad requests.

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/expect_error.hpp"
#include "tests/support/eventually.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

/// A session with a site at version 4; version n has code "<main>n</main>"
/// and requirements {"n": n}.
struct history_fixture {
  api_client c{shared_daemon().port()};
  std::string session_id = text(c.create_session(), "session_id");
  std::string site_id;
  std::string path;

  history_fixture() {
    auto r = c.post("/api/sessions/" + session_id + "/sites",
                    {{"name", "Shop"}, {"site_type", "store"},
                     {"code", code(1)}, {"requirements", {{"n", 1}}}});
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.raw.body);
    site_id = text(r.json, "site_id");
    path = "/api/sessions/sites/" + site_id;
    for (int n = 2; n <= 4; ++n)
      BOOST_REQUIRE(c.post(path + "/versions",
                           {{"code", code(n)}, {"requirements", {{"n", n}}},
                            {"changes", "edit " + std::to_string(n)}})
                      .status
                    == 201);
  }

  static std::string code(int n) {
    return "<main>" + std::to_string(n) + " ünïcødé ✓</main>";
  }

  json::object version(const std::string& site, int n) {
    auto r = c.get("/api/sessions/sites/" + site + "/versions/"
                   + std::to_string(n));
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.raw.body);
    return r.object();
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(restore_and_fork)

BOOST_FIXTURE_TEST_CASE(a_restore_is_the_next_version_with_the_old_content,
                        history_fixture) {
  // A cached view first: the restore must replace it. The refill is not
  // awaited by the read that missed; a later one hits.
  BOOST_TEST(c.get(path).status == 200u);
  BOOST_TEST(eventually(std::chrono::seconds{5},
                        [&] { return c.get(path).header("X-Cache") == "hit"; }));

  auto r = c.call("POST", path + "/versions/2/restore");
  BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body);
  const auto& v = r.object();
  BOOST_TEST(v.at("version").as_int64() == 5);
  BOOST_TEST(v.at("restored_from").as_int64() == 2);
  BOOST_TEST(text(v, "changes") == "Restored from version 2");
  BOOST_TEST(v.at("requirements") == (json::object{{"n", 2}}));
  BOOST_TEST(text(v, "code_sha256") == text(version(site_id, 2), "code_sha256"));

  auto five = version(site_id, 5);
  BOOST_TEST(text(five, "code") == code(2));
  BOOST_TEST(five.at("restored_from").as_int64() == 2);
  BOOST_TEST(version(site_id, 4).at("restored_from").is_null());

  auto site = c.get(path);
  BOOST_TEST(site.object().at("version_count").as_int64() == 5);
  const auto& latest = site.object().at("latest_version").as_object();
  BOOST_TEST(latest.at("version").as_int64() == 5);
  BOOST_TEST(text(latest, "code") == code(2));

  // A note from the client follows the standard text.
  r = c.post(path + "/versions/5/restore", {{"changes", "undo the undo"}});
  BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body);
  BOOST_TEST(text(r.json, "changes") == "Restored from version 5: undo the undo");
  BOOST_TEST(text(version(site_id, 6), "code") == code(2));
}

BOOST_FIXTURE_TEST_CASE(a_restore_of_nothing_changes_nothing, history_fixture) {
  expect_error(c.call("POST", path + "/versions/9/restore"), 404, "not_found",
               "a version above the latest");
  expect_error(c.call("POST", path + "/versions/0/restore"), 400, "validation",
               "version 0");
  expect_error(c.call("POST", path + "/versions/x/restore"), 400, "validation",
               "a version that is no number");
  expect_error(c.post(path + "/versions/1/restore", {{"code", "<p>"}}), 400,
               "validation", "a restore with code of its own");
  expect_error(c.call("POST", "/api/sessions/sites/"
                                "00000000-0000-4000-8000-000000000000"
                                "/versions/1/restore"),
               404, "not_found", "an unknown site");
  BOOST_TEST(c.get(path).object().at("version_count").as_int64() == 4);
}

BOOST_FIXTURE_TEST_CASE(restores_take_gapless_numbers_among_writers,
                        history_fixture) {
  constexpr int writers = 4;
  constexpr int each = 10;
  std::vector<std::vector<json::object>> answers(writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      api_client mine{shared_daemon().port()};
      for (int i = 0; i < each; ++i) {
        // Half the writers restore (alternately version 1 and 3), half add.
        auto r = w % 2 == 0
                   ? mine.call("POST", path + "/versions/"
                                         + std::to_string(1 + 2 * (i % 2))
                                         + "/restore")
                   : mine.post(path + "/versions",
                               {{"code", "<p>w" + std::to_string(w) + "i"
                                           + std::to_string(i) + "</p>"}});
        if (r.status == 201)
          answers[w].push_back(r.object());
      }
    });
  for (auto& t : threads)
    t.join();

  std::set<int64_t> numbers;
  for (int w = 0; w < writers; ++w) {
    BOOST_TEST(answers[w].size() == static_cast<std::size_t>(each));
    for (const auto& a : answers[w])
      numbers.insert(a.at("version").as_int64());
  }
  const auto total = static_cast<int64_t>(4 + writers * each);
  BOOST_TEST(numbers.size() == static_cast<std::size_t>(writers * each));
  BOOST_TEST(*numbers.begin() == 5);
  BOOST_TEST(*numbers.rbegin() == total);
  BOOST_TEST(c.get(path).object().at("version_count").as_int64() == total);
  // Every restore holds what it restored.
  for (int w = 0; w < writers; w += 2)
    for (const auto& a : answers[w]) {
      const auto from = static_cast<int>(a.at("restored_from").as_int64());
      auto stored = version(site_id, static_cast<int>(a.at("version").as_int64()));
      BOOST_TEST(text(stored, "code") == code(from));
      BOOST_TEST(stored.at("requirements") == (json::object{{"n", from}}));
    }
}

BOOST_FIXTURE_TEST_CASE(a_retried_restore_adds_one_version, history_fixture) {
  const std::vector<std::pair<std::string, std::string>> key{
    {"Idempotency-Key", "restore-" + site_id}};
  auto first = c.call("POST", path + "/versions/3/restore", "", key);
  BOOST_TEST_REQUIRE(first.status == 201u, first.raw.body);
  auto again = c.call("POST", path + "/versions/3/restore", "", key);
  BOOST_TEST(again.status == 201u);
  BOOST_TEST(again.header("Idempotent-Replayed") == "true");
  BOOST_TEST(again.raw.body == first.raw.body);
  BOOST_TEST(c.get(path).object().at("version_count").as_int64() == 5);
  expect_error(c.call("POST", path + "/versions/2/restore", "", key), 409,
               "conflict", "the key reused for another version");
}

BOOST_FIXTURE_TEST_CASE(a_fork_holds_the_history_and_goes_its_own_way,
                        history_fixture) {
  BOOST_TEST(c.post(path + "/audits", {{"version", 2}, {"score", 70}}).status
             == 201u);
  auto r = c.post(path + "/fork", json::object{});
  BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body);
  const auto fork_id = text(r.json, "site_id");
  const auto fork_path = "/api/sessions/sites/" + fork_id;
  BOOST_TEST(r.header("Location") == fork_path);
  const auto& f = r.object();
  BOOST_TEST(fork_id != site_id);
  BOOST_TEST(text(f, "session_id") == session_id);
  BOOST_TEST(text(f, "name") == "Shop");
  BOOST_TEST(text(f, "site_type") == "store");
  BOOST_TEST(f.at("version_count").as_int64() == 4);
  BOOST_TEST(f.at("forked_from")
             == (json::object{{"site_id", site_id}, {"version", 4}}));
  BOOST_TEST(f.at("audits").as_array().empty());
  BOOST_TEST(f.at("versions").as_array().size() == 4u);
  for (int n = 1; n <= 4; ++n) {
    auto mine = version(fork_id, n);
    auto theirs = version(site_id, n);
    for (const char* key : {"code", "code_sha256", "changes", "created_at"})
      BOOST_TEST(mine.at(key) == theirs.at(key), key << " of version " << n);
    BOOST_TEST(mine.at("requirements") == theirs.at("requirements"));
    BOOST_TEST(mine.at("audit_score").is_null());
  }
  // Both go on independently.
  BOOST_TEST(c.post(fork_path + "/versions", {{"code", "<p>fork</p>"}}).status
             == 201u);
  BOOST_TEST(c.get(fork_path).object().at("version_count").as_int64() == 5);
  BOOST_TEST(c.get(path).object().at("version_count").as_int64() == 4);
  BOOST_TEST(c.item_count("/api/sessions/" + session_id + "/sites") == 2u);
  // Deleting the source's session later leaves a fork elsewhere intact.
}

BOOST_FIXTURE_TEST_CASE(a_fork_into_another_session_at_an_old_version,
                        history_fixture) {
  auto other = text(c.create_session(), "session_id");
  auto r = c.post(path + "/fork", {{"session_id", other},
                                   {"up_to_version", 2},
                                   {"name", "Variant B ✨"}});
  BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body);
  const auto fork_id = text(r.json, "site_id");
  BOOST_TEST(text(r.json, "session_id") == other);
  BOOST_TEST(text(r.json, "name") == "Variant B ✨");
  BOOST_TEST(r.object().at("version_count").as_int64() == 2);
  BOOST_TEST(text(r.object().at("latest_version"), "code") == code(2));

  BOOST_TEST(c.del("/api/sessions/" + session_id).status == 204u);
  auto kept = c.get("/api/sessions/sites/" + fork_id);
  BOOST_TEST_REQUIRE(kept.status == 200u);
  BOOST_TEST(kept.object().at("forked_from")
             == (json::object{{"site_id", site_id}, {"version", 2}}));
  BOOST_TEST(text(version(fork_id, 2), "code") == code(2));
}

BOOST_FIXTURE_TEST_CASE(bad_forks_change_nothing, history_fixture) {
  expect_error(c.post(path + "/fork", {{"up_to_version", 5}}), 404,
               "not_found", "a version above the latest");
  expect_error(c.post(path + "/fork", {{"up_to_version", 0}}), 400,
               "validation", "version 0");
  expect_error(c.post(path + "/fork", {{"up_to_version", "2"}}), 400,
               "validation", "a version as a string");
  expect_error(c.post(path + "/fork", {{"session_id", "nope"}}), 400,
               "validation", "a session id that is no UUID");
  expect_error(c.post(path + "/fork",
                      {{"session_id", "00000000-0000-4000-8000-000000000000"}}),
               404, "not_found", "an unknown session");
  expect_error(c.post(path + "/fork", {{"name", ""}}), 400, "validation",
               "an empty name");
  expect_error(c.post(path + "/fork", {{"code", "<p>"}}), 400, "validation",
               "an unknown field");
  expect_error(c.call("POST", path + "/fork", "[1]"), 400, "validation",
               "a body that is no object");
  BOOST_TEST(c.item_count("/api/sessions/" + session_id + "/sites") == 1u);
}

BOOST_FIXTURE_TEST_CASE(exports_keep_restores_and_forks, history_fixture) {
  BOOST_TEST(c.call("POST", path + "/versions/1/restore").status == 201u);
  BOOST_TEST(c.post(path + "/fork", {{"up_to_version", 5}}).status == 201u);
  auto exported = c.post("/api/sessions/export",
                         {{"session_id", session_id}, {"compress", false}});
  BOOST_TEST_REQUIRE(exported.status == 200u, exported.raw.body);
  const auto& doc = exported.object().at("data");
  auto imported = c.post("/api/sessions/import",
                         {{"data", doc}, {"compressed", false}});
  BOOST_TEST_REQUIRE(imported.status == 201u, imported.raw.body);
  auto copy = text(imported.json, "session_id");
  auto sites = c.get("/api/sessions/" + copy + "/sites");
  const auto& items = sites.object().at("items").as_array();
  BOOST_TEST_REQUIRE(items.size() == 2u);
  int forks = 0;
  for (const auto& s : items) {
    const auto id = text(s, "site_id");
    if (!s.as_object().at("forked_from").is_null()) {
      ++forks;
      BOOST_TEST(s.as_object().at("forked_from").as_object().at("version")
                 == 5);
    }
    BOOST_TEST(version(id, 5).at("restored_from").as_int64() == 1);
  }
  BOOST_TEST(forks == 1);
}

BOOST_AUTO_TEST_SUITE_END()
