// What survives the daemon: acknowledged writes across a clean restart and a
// SIGKILL, and a SIGTERM that drains and exits 0.

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/support/eventually.hpp"

namespace json = boost::json;
using namespace memoryd::test;

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(acknowledged_writes_survive_restart_and_kill) {
  auto backend = make_backend();
  std::string path;
  {
    daemon_process d{backend.env};
    api_client c{d.port()};
    auto s = c.create_session({{"user_id", "durable"}, {"state", {{"v", 1}}}});
    path = "/api/sessions/" + std::string{s.at("session_id").as_string()};
    BOOST_TEST(c.put(path, {{"state", {{"v", 2}}}}).status == 200u);
    auto code = d.stop();
    BOOST_TEST_REQUIRE(code.has_value(), "exited after SIGTERM:\n" << d.log());
    BOOST_TEST(*code == 0, "SIGTERM exits 0:\n" << d.log());
  }
  {
    daemon_process d{backend.env};
    api_client c{d.port()};
    auto got = c.get(path);
    BOOST_TEST_REQUIRE(got.status == 200u);
    BOOST_TEST(got.object().at("state") == (json::object{{"v", 2}}));
    BOOST_TEST(got.object().at("revision").as_int64() == 2);
    if (!backend.shared_cache)
      BOOST_TEST(got.header("X-Cache") == "miss");  // a new process, a cold cache
    // The refill is not awaited by the read that missed; a later one hits.
    BOOST_TEST(eventually(std::chrono::seconds{5},
                          [&] { return c.get(path).header("X-Cache") == "hit"; }));
    BOOST_TEST(c.put(path, {{"state", {{"v", 3}}}}).status == 200u);
    d.kill();  // no chance to flush anything
  }
  {
    daemon_process d{backend.env};
    api_client c{d.port()};
    auto got = c.get(path);
    BOOST_TEST_REQUIRE(got.status == 200u);
    BOOST_TEST(got.object().at("state") == (json::object{{"v", 3}}));
    BOOST_TEST(got.object().at("revision").as_int64() == 3);
  }
}

BOOST_AUTO_TEST_CASE(two_daemons_migrate_one_database_at_once) {
  auto backend = make_backend();
  daemon_process a{backend.env};
  daemon_process b{backend.env};
  api_client ca{a.port()};
  api_client cb{b.port()};
  auto s = ca.create_session({{"state", {{"from", "a"}}}});
  auto path = "/api/sessions/" + std::string{s.at("session_id").as_string()};
  auto got = cb.get(path);
  BOOST_TEST(got.status == 200u);
  BOOST_TEST(got.object().at("state") == (json::object{{"from", "a"}}));
}

BOOST_AUTO_TEST_SUITE_END()
