// Bounded statements against the real PostgreSQL: a row lock held by
// another transaction past DATABASE_LOCK_TIMEOUT_MS answers the requests of
// that site 503 with Retry-After (not a hang), changes nothing, and frees
// the worker; other sites are served meanwhile.

#include <future>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/database.hpp"
#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"

using namespace memoryd::test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(statement_limits)

BOOST_AUTO_TEST_CASE(a_held_row_lock_is_a_503_for_its_site_only) {
  auto backend = make_backend();
  if (backend.name != "postgresql")
    return;  // SQLite's bound is its busy timeout, tested in storage
  backend.env["DATABASE_LOCK_TIMEOUT_MS"] = "1000";
  daemon_process daemon{backend.env};
  api_client c{daemon.port()};
  auto session_id = std::string{c.create_session().at("session_id").as_string()};
  auto make_site = [&] {
    auto r = c.post("/api/sessions/" + session_id + "/sites",
                    {{"name", "Locked"}, {"code", "<p>1</p>"}});
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.raw.body);
    return std::string{r.object().at("site_id").as_string()};
  };
  const auto locked = make_site();
  const auto free = make_site();

  auto locker_ptr = memoryd::storage::open_database(
    memoryd::storage::parse_database_url(backend.env.at("DATABASE_URL")));
  auto& locker = *locker_ptr;
  locker << "BEGIN";
  locker << "SELECT 1 FROM sites WHERE site_id = '" << locked << "' FOR UPDATE";

  auto started = std::chrono::steady_clock::now();
  auto blocked = std::async(std::launch::async, [&] {
    api_client writer{daemon.port()};
    return writer.post("/api/sessions/sites/" + locked + "/versions",
                       {{"code", "<p>2</p>"}});
  });
  // Meanwhile another site is written and read as usual.
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(c.post("/api/sessions/sites/" + free + "/versions",
                      {{"code", "<p>" + std::to_string(i) + "</p>"}})
                 .status
               == 201u);
  auto answer = blocked.get();
  auto waited = std::chrono::steady_clock::now() - started;
  BOOST_TEST(answer.status == 503u, answer.raw.body);
  BOOST_TEST(answer.error_type() == "unavailable");
  BOOST_TEST(answer.header("Retry-After") == "1");
  // Well before the request deadline: the lock timeout, not a hang.
  BOOST_TEST(waited < 10s);
  locker << "ROLLBACK";
  // Nothing was written, and the site takes writes again.
  auto site = c.get("/api/sessions/sites/" + locked);
  BOOST_TEST(site.object().at("version_count").as_int64() == 1);
  BOOST_TEST(c.post("/api/sessions/sites/" + locked + "/versions",
                    {{"code", "<p>2</p>"}})
               .status
             == 201u);
}

BOOST_AUTO_TEST_SUITE_END()
