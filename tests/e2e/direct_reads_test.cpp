// Cache hits answered on the io thread (actors/cached_reads.hpp): every
// writer reads its own write at once, under concurrent writers and readers,
// for sessions and sites; a deleted session is gone at once; and the
// answers are those of the actor path (headers, 304).

#include <atomic>
#include <chrono>
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

} // namespace

BOOST_AUTO_TEST_SUITE(direct_reads)

BOOST_AUTO_TEST_CASE(writers_read_their_own_writes_among_readers) {
  const auto port = shared_daemon().port();
  api_client setup{port};
  auto id = text(setup.create_session(), "session_id");
  const auto path = "/api/sessions/" + id;
  std::atomic<bool> stop{false};
  std::atomic<int> stale{0};
  // Readers keep the entry hot (and race the writers' fills).
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      api_client c{port};
      while (!stop)
        c.get(path);
    });
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w)
    writers.emplace_back([&, w] {
      api_client c{port};
      for (int i = 0; i < 40; ++i) {
        auto put = c.put(path, {{"state", {{"writer", w}, {"i", i}}}});
        if (put.status != 200) {
          ++stale;
          continue;
        }
        const auto written = put.object().at("revision").as_int64();
        auto got = c.get(path);
        // Never older than one's own write.
        if (got.status != 200
            || got.object().at("revision").as_int64() < written)
          ++stale;
      }
    });
  for (auto& t : writers)
    t.join();
  stop = true;
  for (auto& t : readers)
    t.join();
  BOOST_TEST(stale.load() == 0);
  auto last = setup.get(path);
  BOOST_TEST(last.header("X-Cache") == "hit");
  BOOST_TEST(last.header("ETag")
             == "\"" + std::to_string(last.object().at("revision").as_int64())
                  + "\"");
}

BOOST_AUTO_TEST_CASE(a_site_hit_shows_each_new_version_at_once) {
  api_client c{shared_daemon().port()};
  auto session = text(c.create_session(), "session_id");
  auto site = text(c.post("/api/sessions/" + session + "/sites",
                          {{"name", "s"}, {"code", "<p>1</p>"}})
                     .json,
                   "site_id");
  const auto path = "/api/sessions/sites/" + site;
  for (int n = 2; n <= 20; ++n) {
    BOOST_TEST(c.get(path).status == 200u);  // fills (or hits) the view
    BOOST_TEST_REQUIRE(
      c.post(path + "/versions", {{"code", "<p>" + std::to_string(n) + "</p>"}})
        .status
      == 201u);
    auto got = c.get(path);  // after the fence: a miss, then filled
    BOOST_TEST(got.object().at("version_count").as_int64() == n);
    // The fill is sent as the miss is answered, so it lands a moment later.
    api_reply hit;
    BOOST_TEST(memoryd::test::eventually(std::chrono::seconds{5}, [&] {
      hit = c.get(path);
      return hit.header("X-Cache") == "hit";
    }));
    BOOST_TEST(hit.raw.body == got.raw.body);
    BOOST_TEST(hit.header("ETag") == got.header("ETag"));
    auto unchanged = c.call("GET", path, {}, {{"If-None-Match", got.header("ETag")}});
    BOOST_TEST(unchanged.status == 304u);
    BOOST_TEST(unchanged.raw.body.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_deleted_session_is_gone_at_once) {
  api_client c{shared_daemon().port()};
  auto id = text(c.create_session(), "session_id");
  const auto path = "/api/sessions/" + id;
  BOOST_TEST(c.get(path).status == 200u);
  BOOST_TEST(c.get(path).header("X-Cache") == "hit");
  BOOST_TEST_REQUIRE(c.del(path).status == 204u);
  expect_error(c.get(path), 404, "not_found", "the deleted session");
}

BOOST_AUTO_TEST_SUITE_END()
