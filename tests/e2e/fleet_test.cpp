// Two daemons of one fleet on the same PostgreSQL database and the same
// Redis, as behind a load balancer that sends each request anywhere: a
// write answered by one is never followed by a stale read on the other,
// whether that read is served from Redis on the io thread or by the actors.

#define BOOST_TEST_MODULE memoryd fleet
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

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

BOOST_AUTO_TEST_SUITE_END()
