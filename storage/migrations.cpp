#include "storage/migrations.hpp"

#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/embedded_migrations.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"

namespace memoryd::storage {

namespace {

constexpr const char* count_applied_sql =
  "SELECT count(*) FROM schema_migrations WHERE version = :version";

constexpr const char* record_applied_sql =
  "INSERT INTO schema_migrations (version, name, applied_at)"
  " VALUES (:version, :name, :applied_at)";

constexpr const char* latest_applied_sql =
  "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

bool is_applied(soci::session& sql, int number) {
  int count = 0;
  sql << count_applied_sql, soci::use(number, "version"), soci::into(count);
  return count > 0;
}

// Under the migration lock, so that two processes starting on an empty
// PostgreSQL database do not race on the catalog (CREATE TABLE IF NOT EXISTS
// is not safe against a concurrent twin).
void create_schema_migrations(soci::session& sql) {
  write_transaction tx{sql};
  dialect::lock_migrations(sql);
  dialect::execute_script(
    sql, std::string{dialect::create_schema_migrations_sql(backend_of(sql))});
  tx.commit();
}

// Applies `m` unless another process did it while we waited for the lock.
bool apply(soci::session& sql, const migration& m) {
  write_transaction tx{sql};
  dialect::lock_migrations(sql);
  if (is_applied(sql, m.number))
    return false;
  dialect::execute_script(sql, m.sql);
  const auto applied_at = now_timestamp();
  sql << record_applied_sql, soci::use(m.number, "version"),
    soci::use(m.name, "name"), soci::use(applied_at, "applied_at");
  tx.commit();
  return true;
}

} // namespace

const std::vector<migration>& migrations_for(soci::session& sql) {
  return detail::embedded_migrations(backend_of(sql));
}

int migrate(soci::session& sql) {
  create_schema_migrations(sql);
  const int current = schema_version(sql);
  int applied = 0;
  for (const auto& m : migrations_for(sql))
    if (m.number > current && apply(sql, m))
      ++applied;
  return applied;
}

int schema_version(soci::session& sql) {
  if (!dialect::table_exists(sql, "schema_migrations"))
    return 0;
  int version = 0;
  sql << latest_applied_sql, soci::into(version);
  return version;
}

} // namespace memoryd::storage
