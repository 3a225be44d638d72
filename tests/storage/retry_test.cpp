#include <chrono>
#include <stdexcept>
#include <thread>

#include <boost/test/unit_test.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "storage/errors.hpp"
#include "storage/retry.hpp"
#include "storage/session_repository.hpp"
#include "storage/transaction.hpp"
#include "tests/storage/fixture.hpp"

using namespace std::chrono_literals;
using namespace memoryd::storage;
using namespace memoryd::storage::test;

namespace {

constexpr retry_policy quick{5, 1ms, 10ms};

// A session row inserted behind the repository's back, so that a duplicate
// reaches the database as a constraint violation.
void insert_raw_session(soci::session& sql, const std::string& id) {
  const std::string at = "2026-11-24T02:00:00.000000Z";
  sql << "INSERT INTO sessions (session_id, tenant, state, revision,"
         " created_at, updated_at) VALUES (:id, '', '{}', 1, :at, :at)",
    soci::use(id, "id"), soci::use(at, "at");
}

int backend_pid(soci::session& sql) {
  int pid = 0;
  sql << "SELECT pg_backend_pid()", soci::into(pid);
  return pid;
}

} // namespace

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(classifies_postgresql_failures) {
  auto db = fresh_database("postgresql", false);
  auto& sql = *db.sql;
  for (const char* state : {"40001", "40P01", "08006", "08001", "57P01",
                            "57P02", "57P03"})
    BOOST_TEST_CONTEXT(state) {
      BOOST_TEST(is_transient(sql, soci::postgresql_soci_error("x", state)));
    }
  for (const char* state : {"23505", "23503", "23514", "22P02", "42601",
                            "57014"})
    BOOST_TEST_CONTEXT(state) {
      BOOST_TEST(!is_transient(sql, soci::postgresql_soci_error("x", state)));
    }
}

BOOST_AUTO_TEST_CASE(classifies_sqlite_failures) {
  auto db = fresh_database("sqlite", false);
  auto& sql = *db.sql;
  BOOST_TEST(is_transient(sql, soci::sqlite3_soci_error("busy", 5)));
  BOOST_TEST(is_transient(sql, soci::sqlite3_soci_error("locked", 6)));
  BOOST_TEST(is_transient(sql, soci::sqlite3_soci_error("snapshot", 517)));
  BOOST_TEST(!is_transient(sql, soci::sqlite3_soci_error("unique", 19)));
  BOOST_TEST(!is_transient(sql, soci::sqlite3_soci_error("unique", 2067)));
  BOOST_TEST(!is_transient(sql, soci::sqlite3_soci_error("syntax", 1)));
}

STORAGE_TEST_CASE(domain_errors_are_never_transient) {
  auto db = fresh_database(backend_name, false);
  auto& sql = *db.sql;
  BOOST_TEST(!is_transient(sql, not_found("x")));
  BOOST_TEST(!is_transient(sql, precondition_failed("x")));
  BOOST_TEST(!is_transient(sql, conflict("x")));
  BOOST_TEST(!is_transient(sql, std::invalid_argument("x")));
  BOOST_TEST(!is_transient(sql, std::runtime_error("x")));
}

STORAGE_TEST_CASE(constraint_violations_are_not_retried) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  const auto id = random_uuid();
  insert_raw_session(sql, id);

  int attempts = 0;
  try {
    with_retry(sql, quick, [&] {
      ++attempts;
      insert_raw_session(sql, id);
    });
    BOOST_FAIL("a duplicate primary key was accepted");
  } catch (const soci::soci_error& e) {
    BOOST_TEST(!is_transient(sql, e));
  }
  BOOST_TEST(attempts == 1);

  attempts = 0;
  auto s = make_session();
  session_repository{sql}.create(s);
  BOOST_CHECK_THROW(with_retry(sql, quick,
                               [&] {
                                 ++attempts;
                                 session_repository{sql}.create(s);
                               }),
                    conflict);
  BOOST_TEST(attempts == 1);
}

BOOST_AUTO_TEST_CASE(transient_failures_are_retried_until_success) {
  auto db = fresh_database("sqlite", false);
  int attempts = 0;
  with_retry(*db.sql, quick, [&] {
    if (++attempts < 3)
      throw soci::sqlite3_soci_error("database is locked", 5);
  });
  BOOST_TEST(attempts == 3);
}

BOOST_AUTO_TEST_CASE(retries_are_bounded) {
  auto db = fresh_database("sqlite", false);
  int attempts = 0;
  // Each of the 3 waits is between half of 40 ms and 40 ms.
  const retry_policy policy{4, 40ms, 40ms};
  const auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(with_retry(*db.sql, policy,
                               [&] {
                                 ++attempts;
                                 throw soci::sqlite3_soci_error("busy", 5);
                               }),
                    soci::sqlite3_soci_error);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(attempts == 4);
  BOOST_TEST(elapsed >= 60ms);
  BOOST_TEST(elapsed < 400ms);
}

// A real SQLITE_BUSY: another connection holds the write lock, and ours does
// not wait for it (busy_timeout 0), so only the retries get us through.
BOOST_AUTO_TEST_CASE(sqlite_busy_is_retried) {
  auto db = fresh_database("sqlite");
  auto holder = db.connect();
  *db.sql << "PRAGMA busy_timeout = 0";
  // The holder is another process as far as SQLite can tell: a bare
  // BEGIN IMMEDIATE, not this process's queue of writers (write_transaction).
  *holder << "BEGIN IMMEDIATE";
  std::jthread release{[&] {
    std::this_thread::sleep_for(100ms);
    *holder << "COMMIT";
  }};
  int attempts = 0;
  const auto s = make_session();
  with_retry(*db.sql, {20, 10ms, 40ms}, [&] {
    ++attempts;
    session_repository{*db.sql}.create(s);
  });
  BOOST_TEST(attempts > 1);
  BOOST_TEST(session_repository{*holder}.find(s.session_id).has_value());
}

// The server ends our connection (as on a failover or restart): the next
// statement fails, with_retry reconnects, restores the session settings and
// succeeds on the second attempt.
BOOST_AUTO_TEST_CASE(reconnects_after_the_connection_was_terminated) {
  auto db = fresh_database("postgresql");
  auto admin = db.connect();
  const int pid = backend_pid(*db.sql);
  int terminated = 0;
  *admin << "SELECT CASE WHEN pg_terminate_backend(:pid) THEN 1 ELSE 0 END",
    soci::use(pid, "pid"), soci::into(terminated);
  BOOST_TEST_REQUIRE(terminated == 1);

  try {
    *db.sql << "SELECT 1";
    BOOST_FAIL("a statement on a terminated connection succeeded");
  } catch (const soci::soci_error& e) {
    BOOST_TEST_MESSAGE("lost connection: " << e.what());
    BOOST_TEST(is_transient(*db.sql, e));
  }

  int attempts = 0;
  const auto s = make_session();
  with_retry(*db.sql, quick, [&] {
    ++attempts;
    session_repository{*db.sql}.create(s);
  });
  BOOST_TEST(attempts == 2);
  BOOST_TEST(session_repository{*admin}.find(s.session_id).has_value());
  BOOST_TEST(backend_pid(*db.sql) != pid);
  std::string zone;
  *db.sql << "SHOW TimeZone", soci::into(zone);
  BOOST_TEST(zone == "UTC");
}

// Terminated before the first attempt (an idle pooled connection): the first
// attempt fails, the second runs on a new connection.
BOOST_AUTO_TEST_CASE(recovers_an_idle_connection_terminated_by_the_server) {
  auto db = fresh_database("postgresql");
  auto admin = db.connect();
  const int pid = backend_pid(*db.sql);
  *admin << "SELECT pg_terminate_backend(:pid)", soci::use(pid, "pid");
  // Wait until the server has really closed it.
  for (int i = 0; i < 100; ++i) {
    int alive = 0;
    *admin << "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid",
      soci::use(pid, "pid"), soci::into(alive);
    if (alive == 0)
      break;
    std::this_thread::sleep_for(20ms);
  }
  int attempts = 0;
  std::optional<session_record> found;
  with_retry(*db.sql, quick, [&] {
    ++attempts;
    found = session_repository{*db.sql}.find(random_uuid());
  });
  BOOST_TEST(attempts == 2);
  BOOST_TEST(!found.has_value());
}

// While the database refuses connections, reconnecting fails (SOCI then
// leaves the session without a backend) and with_retry gives up after its
// attempts; once connections are allowed again, the same session recovers.
BOOST_AUTO_TEST_CASE(gives_up_while_unreachable_and_recovers_later) {
  auto db = fresh_database("postgresql");
  auto admin = pg_admin_connection();
  std::string name;
  *db.sql << "SELECT current_database()", soci::into(name);
  const int pid = backend_pid(*db.sql);
  *admin << "ALTER DATABASE " + name + " ALLOW_CONNECTIONS false";
  *admin << "SELECT pg_terminate_backend(:pid)", soci::use(pid, "pid");

  int attempts = 0;
  const auto s = make_session();
  auto create = [&] {
    ++attempts;
    session_repository{*db.sql}.create(s);
  };
  BOOST_CHECK_THROW(with_retry(*db.sql, {3, 1ms, 5ms}, create),
                    soci::soci_error);
  BOOST_TEST(attempts == 1); // the later attempts failed to reconnect

  *admin << "ALTER DATABASE " + name + " ALLOW_CONNECTIONS true";
  attempts = 0;
  with_retry(*db.sql, quick, create);
  BOOST_TEST(attempts == 1);
  BOOST_TEST(session_repository{*db.connect()}.find(s.session_id).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
