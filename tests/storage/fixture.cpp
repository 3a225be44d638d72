#include "tests/storage/fixture.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include <boost/json.hpp>

#include "storage/migrations.hpp"
#include "tests/support/test_env.hpp"

namespace memoryd::storage::test {

std::unique_ptr<soci::session> database::connect() const {
  return open_database(url);
}

database fresh_database(std::string_view backend_name, bool migrated) {
  const auto url = backend_name == "sqlite"
                     ? memoryd::test::create_sqlite_database("storage")
                     : memoryd::test::create_pg_database("storage");
  database db{parse_database_url(url), nullptr};
  db.sql = db.connect();
  if (migrated)
    migrate(*db.sql);
  return db;
}

std::unique_ptr<soci::session> pg_admin_connection() {
  return open_database(parse_database_url(memoryd::test::pg_admin_url()));
}

std::string random_uuid() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto hi = random();
  const auto lo = random();
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0x0fff),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

session_record make_session(std::string tenant, std::string created_at) {
  session_record s;
  s.session_id = random_uuid();
  s.tenant = std::move(tenant);
  s.created_at = created_at;
  s.updated_at = std::move(created_at);
  return s;
}

long long count_where(soci::session& sql, std::string_view table,
                      std::string_view column, const std::string& value) {
  long long n = -1;
  sql << "SELECT count(*) FROM " << table << " WHERE " << column
      << " = :value",
    soci::use(value, "value"), soci::into(n);
  return n;
}

bool same_json(std::string_view a, std::string_view b) {
  return boost::json::parse(a) == boost::json::parse(b);
}

} // namespace memoryd::storage::test
