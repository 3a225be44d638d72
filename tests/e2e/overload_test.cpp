// Bounded work against the real PostgreSQL, with a row lock the test holds:
// past DATABASE_LOCK_TIMEOUT_MS the requests of the locked site are 503
// with Retry-After (not a hang) and change nothing, while other sites are
// served; and with every storage worker's queue full (DATABASE_QUEUE_LIMIT)
// a request needing the database is 503 at once while cached reads and
// health checks are still served.

#include <future>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/database.hpp"
#include "tests/support/eventually.hpp"
#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"

using namespace memoryd::test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(overload)

namespace {

/// A PostgreSQL transaction holding a row lock on one site.
class site_lock {
public:
  site_lock(const std::string& database_url, const std::string& site_id)
    : sql_(memoryd::storage::open_database(
        memoryd::storage::parse_database_url(database_url))) {
    *sql_ << "BEGIN";
    *sql_ << "SELECT 1 FROM sites WHERE site_id = '" << site_id
          << "' FOR UPDATE";
  }

  void release() {
    *sql_ << "ROLLBACK";
  }

private:
  std::unique_ptr<soci::session> sql_;
};

std::string make_site(api_client& c, const std::string& session_id) {
  auto r = c.post("/api/sessions/" + session_id + "/sites",
                  {{"name", "Locked"}, {"code", "<p>1</p>"}});
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.raw.body);
  return std::string{r.object().at("site_id").as_string()};
}

} // namespace

BOOST_AUTO_TEST_CASE(a_held_row_lock_is_a_503_for_its_site_only) {
  auto backend = make_backend();
  if (backend.name != "postgresql")
    return;  // SQLite's bound is its busy timeout, tested in storage
  backend.env["DATABASE_LOCK_TIMEOUT_MS"] = "1000";
  daemon_process daemon{backend.env};
  api_client c{daemon.port()};
  auto session_id = std::string{c.create_session().at("session_id").as_string()};
  const auto locked = make_site(c, session_id);
  const auto free = make_site(c, session_id);
  site_lock lock{backend.env.at("DATABASE_URL"), locked};

  auto started = std::chrono::steady_clock::now();
  auto blocked = std::async(std::launch::async, [&] {
    api_client writer{daemon.port()};
    return writer.post("/api/sessions/sites/" + locked + "/versions",
                       {{"code", "<p>2</p>"}});
  });
  // Meanwhile another site is written and read as usual.
  for (int i = 0; i < 5; ++i) {
    auto r = c.post("/api/sessions/sites/" + free + "/versions",
                    {{"code", "<p>" + std::to_string(i) + "</p>"}});
    BOOST_TEST(r.status == 201u, r.raw.body);
  }
  auto answer = blocked.get();
  auto waited = std::chrono::steady_clock::now() - started;
  BOOST_TEST(answer.status == 503u, answer.raw.body);
  BOOST_TEST(answer.error_type() == "unavailable");
  BOOST_TEST(answer.header("Retry-After") == "1");
  // Well before the request deadline: the lock timeout, not a hang.
  BOOST_TEST(waited < 10s);
  lock.release();
  // Nothing was written, and the site takes writes again.
  auto site = c.get("/api/sessions/sites/" + locked);
  BOOST_TEST(site.object().at("version_count").as_int64() == 1);
  BOOST_TEST(c.post("/api/sessions/sites/" + locked + "/versions",
                    {{"code", "<p>2</p>"}})
               .status
             == 201u);
}

BOOST_AUTO_TEST_CASE(a_full_database_queue_is_a_503_at_once) {
  auto backend = make_backend();
  if (backend.name != "postgresql")
    return;
  backend.env["DATABASE_POOL_SIZE"] = "1";
  backend.env["DATABASE_QUEUE_LIMIT"] = "1";
  backend.env["DATABASE_LOCK_TIMEOUT_MS"] = "20000";
  daemon_process daemon{backend.env};
  api_client c{daemon.port()};
  auto session = c.create_session();
  const auto session_id = std::string{session.at("session_id").as_string()};
  BOOST_REQUIRE(c.get("/api/sessions/" + session_id).status == 200);  // cached
  const auto locked = make_site(c, session_id);
  site_lock lock{backend.env.at("DATABASE_URL"), locked};
  // The only worker waits on the lock with one request: the queue is full.
  auto blocked = std::async(std::launch::async, [&] {
    api_client writer{daemon.port()};
    return writer.post("/api/sessions/sites/" + locked + "/versions",
                       {{"code", "<p>2</p>"}});
  });
  BOOST_REQUIRE(eventually(10s, [&] {
    auto stats = c.get("/admin/stats").object();
    return stats.at("database").at("pool_in_use").as_int64() == 1;
  }));
  auto started = std::chrono::steady_clock::now();
  auto refused = c.post("/api/sessions", {{"user_id", "refused"}});
  BOOST_TEST(refused.status == 503u, refused.raw.body);
  BOOST_TEST(refused.error_type() == "unavailable");
  BOOST_TEST(refused.header("Retry-After") == "1");
  BOOST_TEST((std::chrono::steady_clock::now() - started < 2s));
  // What needs no database is served: a cached read, the probes.
  BOOST_TEST(c.get("/api/sessions/" + session_id).status == 200u);
  BOOST_TEST(c.get("/healthz").status == 200u);
  auto stats = c.get("/admin/stats").object();
  BOOST_TEST(stats.at("database").at("refused").as_int64() >= 1);
  lock.release();
  BOOST_TEST(blocked.get().status == 201u);
  // The refused write wrote nothing; the pool takes requests again.
  auto list = c.get("/api/sessions?user_id=refused");
  BOOST_TEST(list.object().at("items").as_array().empty());
  BOOST_TEST(c.post("/api/sessions", {{"user_id", "refused"}}).status == 201u);
}

BOOST_AUTO_TEST_SUITE_END()
