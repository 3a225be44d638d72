// Two daemons of one fleet on the same PostgreSQL database and the same
// Redis, as behind a load balancer that sends each request anywhere: a
// write answered by one is never followed by a stale read on the other,
// whether that read is served from Redis on the io thread or by the actors.

#define BOOST_TEST_MODULE memoryd fleet
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/e2e/api_client.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_env.hpp"

namespace json = boost::json;
using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

/// Two daemons sharing one database and the test Redis.
struct fleet {
  std::string database = create_pg_database("fleet");
  daemon_process first{{{"DATABASE_URL", database}, {"REDIS_URL", redis_url()}}};
  daemon_process second{{{"DATABASE_URL", database}, {"REDIS_URL", redis_url()}}};
  api_client a{first.port()};
  api_client b{second.port()};
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(fleet_reads, fleet)

BOOST_AUTO_TEST_CASE(a_write_on_one_daemon_is_read_at_once_on_the_other) {
  const auto path = "/api/sessions/" + text(a.create_session(), "session_id");
  // Readers keep the other daemon's path to Redis busy meanwhile.
  std::atomic<bool> done{false};
  std::thread readers{[&, port = second.port()] {
    api_client r{port};
    while (!done)
      r.get(path);
  }};
  int stale = 0, hits = 0;
  for (int n = 1; n <= 100; ++n) {
    auto& writer = n % 2 ? a : b;
    auto& reader = n % 2 ? b : a;
    BOOST_REQUIRE(writer.put(path, {{"state", {{"n", n}}}}).status == 200u);
    auto got = reader.get(path);
    BOOST_REQUIRE(got.status == 200u);
    if (got.object().at("state").at("n").as_int64() != n
        || got.object().at("revision").as_int64() != n + 1)
      ++stale;
    hits += got.header("X-Cache") == "hit";
  }
  done = true;
  readers.join();
  BOOST_TEST(stale == 0);
  // Written through on each PUT: the other daemon's reads hit Redis.
  BOOST_TEST(hits > 90, hits << " of 100 reads hit");
}

BOOST_AUTO_TEST_CASE(a_delete_on_one_daemon_is_gone_on_the_other) {
  const auto path = "/api/sessions/" + text(a.create_session(), "session_id");
  BOOST_TEST(b.get(path).header("X-Cache") == "hit");
  BOOST_REQUIRE(a.del(path).status == 204u);
  BOOST_TEST(b.get(path).status == 404u);
  BOOST_TEST(a.get(path).status == 404u);
}

BOOST_AUTO_TEST_CASE(a_new_version_on_one_daemon_shows_on_the_other) {
  auto session = text(a.create_session(), "session_id");
  auto site = text(a.post("/api/sessions/" + session + "/sites",
                          {{"name", "s"}, {"code", "<p>1</p>"}})
                     .json,
                   "site_id");
  const auto path = "/api/sessions/sites/" + site;
  for (int n = 2; n <= 10; ++n) {
    // The other daemon holds the site's view in Redis, and polls it.
    BOOST_TEST(eventually(5s, [&] { return b.get(path).header("X-Cache") == "hit"; }));
    auto etag = b.get(path).header("ETag");
    BOOST_REQUIRE(a.post(path + "/versions",
                         {{"code", "<p>" + std::to_string(n) + "</p>"}})
                    .status
                  == 201u);
    auto got = b.get(path);
    BOOST_TEST(got.object().at("version_count").as_int64() == n);
    auto polled = b.call("GET", path, {}, {{"If-None-Match", etag}});
    BOOST_TEST(polled.status == 200u, "the old ETag no longer matches");
  }
}

// Writers of many sites at once: the site actor folds their versions into
// shared transactions and fences the fold's sites in one cache write; each
// answer still comes after its site's fence, so the other daemon never
// reads a site's view without the version just answered.
BOOST_AUTO_TEST_CASE(versions_of_many_sites_at_once_show_on_the_other) {
  constexpr int writers = 8;
  constexpr int versions = 10;
  auto session = text(a.create_session(), "session_id");
  std::vector<std::string> paths;
  for (int w = 0; w < writers; ++w)
    paths.push_back(
      "/api/sessions/sites/"
      + text(a.post("/api/sessions/" + session + "/sites",
                    {{"name", "s" + std::to_string(w)}, {"code", "<p>1</p>"}})
               .json,
             "site_id"));
  const auto folds_before = a.get("/admin/stats").object().at("versions");
  std::atomic<int> stale{0}, failed{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, path = paths[static_cast<std::size_t>(w)]] {
      api_client writer{first.port()};
      api_client reader{second.port()};
      for (int n = 2; n <= versions + 1; ++n) {
        reader.get(path);  // the view cached in Redis, as pollers keep it
        if (writer.post(path + "/versions",
                        {{"code", "<p>" + std::to_string(n) + "</p>"}})
              .status
            != 201u) {
          ++failed;
          return;
        }
        auto got = reader.get(path);
        if (got.status != 200u
            || got.object().at("version_count").as_int64() != n)
          ++stale;
      }
    });
  for (auto& t : threads)
    t.join();
  BOOST_TEST(failed == 0);
  BOOST_TEST(stale == 0);
  const auto folds_after = a.get("/admin/stats").object().at("versions");
  const auto count = [](const json::value& v, const char* what) {
    return v.at(what).as_int64();
  };
  // The versions did share folds (else this tested one-site folds only).
  BOOST_TEST(count(folds_after, "folds") - count(folds_before, "folds")
             < count(folds_after, "versions")
                 - count(folds_before, "versions"));
}

BOOST_AUTO_TEST_SUITE_END()
