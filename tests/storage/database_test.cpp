#include <filesystem>
#include <stdexcept>
#include <string>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/database.hpp"
#include "tests/storage/fixture.hpp"
#include "tests/support/test_env.hpp"

using namespace memoryd::storage;

namespace {

// The message of the std::invalid_argument that parse_database_url throws.
std::string parse_error(std::string_view url) {
  try {
    parse_database_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  BOOST_FAIL("parse_database_url accepted " << url);
  return {};
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(database)

BOOST_AUTO_TEST_CASE(parses_sqlite_urls) {
  const auto abs = parse_database_url("sqlite:///var/lib/memoryd/memoryd.db");
  BOOST_TEST((abs.kind == backend::sqlite));
  BOOST_TEST(abs.connect_string ==
             "db=\"/var/lib/memoryd/memoryd.db\" timeout=5");
  BOOST_TEST(abs.redacted == "sqlite:///var/lib/memoryd/memoryd.db");

  const auto rel = parse_database_url("sqlite://data/memoryd.db");
  BOOST_TEST(rel.connect_string == "db=\"data/memoryd.db\" timeout=5");
  BOOST_TEST(to_string(rel.kind) == "sqlite");
}

BOOST_AUTO_TEST_CASE(parses_postgresql_urls_and_hides_passwords) {
  const auto pg =
    parse_database_url("postgresql://app:s3cret@db.example:5433/memoryd");
  BOOST_TEST((pg.kind == backend::postgresql));
  BOOST_TEST(to_string(pg.kind) == "postgresql");
  // SOCI needs a query parameter to leave the URI alone.
  BOOST_TEST(pg.connect_string ==
             "postgresql://app:s3cret@db.example:5433/memoryd"
             "?application_name=memoryd");
  BOOST_TEST(pg.redacted == "postgresql://app:***@db.example:5433/memoryd");

  const auto with_query = parse_database_url(
    "postgres://app@db/memoryd?sslmode=require&password=s3cret");
  BOOST_TEST((with_query.kind == backend::postgresql));
  BOOST_TEST(with_query.connect_string ==
             "postgres://app@db/memoryd?sslmode=require&password=s3cret"
             "&application_name=memoryd");
  BOOST_TEST(with_query.redacted ==
             "postgres://app@db/memoryd?sslmode=require&password=***");

  const auto named = parse_database_url(
    "postgresql://db/memoryd?application_name=fleet-7");
  BOOST_TEST(named.connect_string ==
             "postgresql://db/memoryd?application_name=fleet-7");
}

BOOST_AUTO_TEST_CASE(statement_limits_go_into_the_connect_string) {
  using std::chrono::milliseconds;
  const auto pg = with_statement_limits(
    parse_database_url("postgresql://db/memoryd"), milliseconds{15000},
    milliseconds{5000});
  BOOST_TEST(pg.connect_string
             == "postgresql://db/memoryd?application_name=memoryd&options="
                "-c%20statement_timeout%3D15000%20-c%20lock_timeout%3D5000");
  const auto lock_only = with_statement_limits(
    parse_database_url("postgresql://db/memoryd"), milliseconds{0},
    milliseconds{250});
  BOOST_TEST(lock_only.connect_string
             == "postgresql://db/memoryd?application_name=memoryd&options="
                "-c%20lock_timeout%3D250");
  // The operator's own options are left alone.
  const auto own = with_statement_limits(
    parse_database_url("postgresql://db/m?options=-c%20work_mem%3D64MB"),
    milliseconds{15000}, milliseconds{5000});
  BOOST_TEST(own.connect_string.find("statement_timeout") == std::string::npos);
  // SQLite: the busy timeout, in whole seconds, at least one.
  const auto lite = with_statement_limits(
    parse_database_url("sqlite:///var/lib/m.db"), milliseconds{15000},
    milliseconds{2500});
  BOOST_TEST(lite.connect_string == "db=\"/var/lib/m.db\" timeout=3");
  const auto short_wait = with_statement_limits(
    parse_database_url("sqlite:///var/lib/m.db"), milliseconds{0},
    milliseconds{10});
  BOOST_TEST(short_wait.connect_string == "db=\"/var/lib/m.db\" timeout=1");
}

BOOST_AUTO_TEST_CASE(rejects_bad_urls_with_a_reason) {
  BOOST_TEST(contains(parse_error("memoryd.db"), "no scheme"));
  const auto mysql = parse_error("mysql://root:hunter2@db/memoryd");
  BOOST_TEST(contains(mysql, "\"mysql\" is not supported"));
  BOOST_TEST(!contains(mysql, "hunter2"));
  BOOST_TEST(contains(parse_error("sqlite://"), "names no file"));
  BOOST_TEST(contains(parse_error("sqlite:///tmp/"), "directory"));
  BOOST_TEST(contains(parse_error("sqlite:///tmp/x.db?mode=ro"),
                      "no query parameters"));
  const auto option =
    parse_error("postgresql://app:hunter2@db/memoryd?sslmod=require");
  BOOST_TEST(contains(option, "not a valid PostgreSQL URL"));
  BOOST_TEST(contains(option, "sslmod"));
  BOOST_TEST(!contains(option, "hunter2"));
  BOOST_TEST(contains(parse_error("postgresql://db/my db"), "white space"));
}

BOOST_AUTO_TEST_CASE(sqlite_connection_settings) {
  // A directory that does not exist yet, with a space in its name.
  const auto dir = memoryd::test::make_temp_dir("storage") / "new dir" / "deep";
  const auto url = parse_database_url("sqlite://" + (dir / "m.db").string());
  auto sql = open_database(url);
  BOOST_TEST(std::filesystem::exists(dir / "m.db"));
  BOOST_TEST((backend_of(*sql) == backend::sqlite));

  std::string journal;
  int synchronous = -1, foreign_keys = -1, busy_timeout = -1;
  *sql << "PRAGMA journal_mode", soci::into(journal);
  *sql << "PRAGMA synchronous", soci::into(synchronous);
  *sql << "PRAGMA foreign_keys", soci::into(foreign_keys);
  *sql << "PRAGMA busy_timeout", soci::into(busy_timeout);
  BOOST_TEST(journal == "wal");
  BOOST_TEST(synchronous == 2); // FULL
  BOOST_TEST(foreign_keys == 1);
  BOOST_TEST(busy_timeout == 5000);
}

BOOST_AUTO_TEST_CASE(postgresql_connection_settings) {
  auto db = memoryd::storage::test::fresh_database("postgresql", false);
  BOOST_TEST((backend_of(*db.sql) == backend::postgresql));
  std::string zone, style, app;
  *db.sql << "SHOW TimeZone", soci::into(zone);
  *db.sql << "SHOW DateStyle", soci::into(style);
  *db.sql << "SELECT current_setting('application_name')", soci::into(app);
  BOOST_TEST(zone == "UTC");
  BOOST_TEST(style == "ISO, YMD");
  BOOST_TEST(app == "memoryd");
}

BOOST_AUTO_TEST_SUITE_END()
