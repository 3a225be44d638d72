// Redis stopped in the middle: requests are still answered correctly from
// the database, and once Redis is back caching resumes.

#define BOOST_TEST_MODULE memoryd redis failover
#include <boost/test/unit_test.hpp>

#include <thread>

#include "tests/e2e/api_client.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/raw_redis.hpp"
#include "tests/support/redis_process.hpp"
#include "tests/support/test_env.hpp"

namespace json = boost::json;
using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

/// A daemon on a fresh PostgreSQL database and the private `redis`, and a
/// session created through it; returns the session's path.
std::string start(redis_process& redis, std::optional<daemon_process>& daemon,
                  std::optional<api_client>& client) {
  daemon.emplace(daemon_process::environment{
    {"DATABASE_URL", create_pg_database("failover")},
    {"REDIS_URL", "redis://127.0.0.1:" + std::to_string(redis.port())},
    {"REDIS_TIMEOUT_MS", "100"},
    {"REDIS_MAX_CONNECTIONS", "4"}});
  client.emplace(daemon->port());
  auto s = client->create_session({{"state", {{"v", 1}}}});
  return "/api/sessions/" + std::string{s.at("session_id").as_string()};
}

/// The io threads' own Redis connections, as /admin/stats shows them.
json::object readers(api_client& c) {
  auto stats = c.get("/admin/stats");
  BOOST_REQUIRE_MESSAGE(stats.status == 200u, stats.raw.body);
  return stats.object().at("cache").at("readers").as_object();
}

bool all_readers_ready(api_client& c) {
  auto r = readers(c);
  return r.at("connections").as_int64() > 0
         && r.at("ready").as_int64() == r.at("connections").as_int64();
}

/// A private Redis, a daemon using it, and one session.
struct failover_fixture {
  redis_process redis;
  std::optional<daemon_process> daemon;
  std::optional<api_client> client;
  std::string path = start(redis, daemon, client);
  api_client& c = *client;
};

} // namespace

BOOST_FIXTURE_TEST_CASE(requests_survive_redis_outage_and_caching_resumes,
                        failover_fixture) {
  BOOST_TEST(c.get(path).header("X-Cache") == "hit");  // written through on create
  BOOST_TEST(eventually(5s, [&] { return all_readers_ready(c); }));
  const auto failures_before = readers(c).at("failures").as_int64();

  redis.kill();
  auto during = c.get(path);
  BOOST_TEST_REQUIRE(during.status == 200u);
  BOOST_TEST(during.header("X-Cache") == "miss");
  BOOST_TEST(during.object().at("state") == (json::object{{"v", 1}}));
  auto put = c.put(path, {{"state", {{"v", 2}}}});
  BOOST_TEST_REQUIRE(put.status == 200u);
  auto after_put = c.get(path);
  BOOST_TEST(after_put.object().at("state") == (json::object{{"v", 2}}));
  BOOST_TEST(after_put.object().at("revision").as_int64() == 2);
  auto created = c.post("/api/sessions", json::object{});
  BOOST_TEST(created.status == 201u);
  auto ready = c.get("/readyz");
  BOOST_TEST(ready.status == 200u, "the cache is an accelerator, not a dependency");
  BOOST_TEST(ready.object().at("cache").at("state").as_string() == "down");
  // The operator sees the io threads' connections go too.
  BOOST_TEST(eventually(5s, [&] {
    auto r = readers(c);
    return r.at("ready").as_int64() == 0
           && r.at("failures").as_int64()
                >= failures_before + r.at("connections").as_int64();
  }));

  redis.restart();  // empty: nothing stale survives
  // After the client's backoff, a miss refills the cache and the next read hits.
  bool resumed = eventually(15s, [&] {
    c.get(path);
    auto r = c.get(path);
    return r.status == 200 && r.header("X-Cache") == "hit";
  });
  BOOST_TEST(resumed);
  auto hit = c.get(path);
  BOOST_TEST(hit.object().at("state") == (json::object{{"v", 2}}));
  BOOST_TEST(c.get("/readyz").object().at("cache").at("state").as_string() == "up");
  BOOST_TEST(eventually(15s, [&] { return all_readers_ready(c); }));
}

BOOST_FIXTURE_TEST_CASE(a_restart_from_an_old_snapshot_serves_nothing_stale,
                        failover_fixture) {
  const auto& first = path;
  auto second = "/api/sessions/"
                + std::string{c.create_session({{"state", {{"v", 1}}}})
                                .at("session_id")
                                .as_string()};
  // The snapshot holds revision 1 of both; revision 2 reaches Redis after.
  raw_redis{"127.0.0.1", redis.port(), 1s}.command({"SAVE"});
  for (const auto& path : {first, second}) {
    BOOST_TEST_REQUIRE(c.put(path, {{"state", {{"v", 2}}}}).status == 200u);
    auto cached = c.get(path);
    BOOST_TEST(cached.header("X-Cache") == "hit");
    BOOST_TEST(cached.object().at("revision").as_int64() == 2);
  }

  redis.restart();  // loads the snapshot: revision 1 of both is back
  raw_redis check{"127.0.0.1", redis.port(), 1s};
  BOOST_TEST(check.integer({"EXISTS", "memoryd:v2:session:"
                                        + second.substr(second.rfind('/') + 1)})
             == 1);
  // Reads of the first until caching has resumed, then of the second: every
  // one answers revision 2, never the snapshot's.
  bool resumed = eventually(15s, [&] {
    auto r = c.get(first);
    BOOST_TEST_REQUIRE(r.object().at("revision").as_int64() == 2, r.raw.body);
    return r.header("X-Cache") == "hit";
  });
  BOOST_TEST(resumed);
  for (int i = 0; i < 3; ++i) {
    auto r = c.get(second);
    BOOST_TEST(r.object().at("revision").as_int64() == 2, r.raw.body);
  }
}

BOOST_FIXTURE_TEST_CASE(a_hung_redis_costs_a_timeout_not_an_error,
                        failover_fixture) {
  redis.pause();  // accepts connections, never answers
  for (int i = 0; i < 5; ++i) {
    auto r = c.get(path);
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.object().at("state") == (json::object{{"v", 1}}));
  }
  BOOST_TEST(c.put(path, {{"state", {{"v", 2}}}}).status == 200u);
  redis.resume();
  // Redis kept revision 1 and never saw the write of revision 2: until the
  // cache serves again, and after, every answer is revision 2.
  int stale = 0;
  bool hit = eventually(15s, [&] {
    auto r = c.get(path);
    if (r.object().at("revision").as_int64() != 2)
      ++stale;
    return r.header("X-Cache") == "hit";
  });
  BOOST_TEST(hit);
  BOOST_TEST(stale == 0);
}
