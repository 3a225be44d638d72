#include <barrier>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/migrations.hpp"
#include "storage/timestamp.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

namespace {

// Every table later features rely on, by the name they use.
const std::vector<std::string> schema_tables{
  "sessions",    "user_preferences", "sites",
  "site_versions", "audits",         "deployments",
  "idempotency_keys", "cleanup_runs", "schema_migrations"};

long long table_count(soci::session& sql, const std::string& table) {
  long long n = -1;
  sql << "SELECT count(*) FROM " << table, soci::into(n);
  return n;
}

// Applies the first `last` migrations as migrate() would: a database as an
// older memoryd left it.
void migrate_up_to(soci::session& sql, int last) {
  dialect::execute_script(
    sql, std::string{dialect::create_schema_migrations_sql(backend_of(sql))});
  for (const auto& m : migrations_for(sql)) {
    if (m.number > last)
      break;
    dialect::execute_script(sql, m.sql);
    const auto at = now_timestamp();
    sql << "INSERT INTO schema_migrations (version, name, applied_at)"
           " VALUES (:v, :n, :at)",
      soci::use(m.number, "v"), soci::use(m.name, "n"), soci::use(at, "at");
  }
}

// The tables `table`'s foreign keys refer to, one entry per key column.
std::vector<std::string> referenced_tables(soci::session& sql,
                                           const std::string& table) {
  std::vector<std::string> out(8);
  if (backend_of(sql) == backend::postgresql)
    sql << "SELECT confrelid::regclass::text FROM pg_constraint,"
           " unnest(conkey) WHERE conrelid = CAST(:t AS regclass)"
           " AND contype = 'f'",
      soci::use(table, "t"), soci::into(out);
  else
    sql << "SELECT \"table\" FROM pragma_foreign_key_list(:t)",
      soci::use(table, "t"), soci::into(out);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(migrations)

// Migration 8 moves the keys of audits and deployments from the version to
// the site: the rows an older schema holds stay, still go with their
// session, and an audit of a site that does not exist is still refused.
STORAGE_TEST_CASE(site_level_cascade_keeps_the_rows_and_their_cascade) {
  auto db = fresh_database(backend_name, false);
  auto& sql = *db.sql;
  migrate_up_to(sql, 7);
  const auto [gone_session, gone_site, kept_session, kept_site] =
    insert_two_site_trees(sql);

  BOOST_TEST(migrate(sql) == static_cast<int>(migrations_for(sql).size()) - 7);
  BOOST_TEST(site_tree_rows(sql, gone_site) == 4);
  BOOST_TEST(site_tree_rows(sql, kept_site) == 4);
  for (const auto* table : {"audits", "deployments"})
    BOOST_TEST_CONTEXT(table) {
      BOOST_TEST(referenced_tables(sql, table)
                 == std::vector<std::string>{"sites"});
    }

  sql << "DELETE FROM sessions WHERE session_id = :id",
    soci::use(gone_session, "id");
  BOOST_TEST(site_tree_rows(sql, gone_site) == 0);
  BOOST_TEST(site_tree_rows(sql, kept_site) == 4);

  const auto orphan = random_uuid();
  const auto t = now_timestamp();
  BOOST_CHECK_THROW(
    (sql << "INSERT INTO audits (audit_id, site_id, version, score,"
            " created_at) VALUES (:a, :site, 1, 50, :t)",
     soci::use(orphan, "a"), soci::use(orphan, "site"), soci::use(t, "t")),
    soci::soci_error);
  BOOST_CHECK_THROW(
    (sql << "INSERT INTO deployments (deployment_id, site_id, version,"
            " status, created_at) VALUES (:d, :site, 1, 'pending', :t)",
     soci::use(orphan, "d"), soci::use(orphan, "site"), soci::use(t, "t")),
    soci::soci_error);
}

STORAGE_TEST_CASE(migrate_creates_the_schema_once) {
  auto db = fresh_database(backend_name, false);
  auto& sql = *db.sql;
  const auto& all = migrations_for(sql);
  BOOST_TEST_REQUIRE(!all.empty());
  BOOST_TEST(schema_version(sql) == 0);

  BOOST_TEST(migrate(sql) == static_cast<int>(all.size()));
  BOOST_TEST(schema_version(sql) == all.back().number);
  for (const auto& table : schema_tables)
    BOOST_TEST_CONTEXT(table) {
      BOOST_TEST(table_count(sql, table) == (table == "schema_migrations"
                                               ? static_cast<long long>(
                                                 all.size())
                                               : 0));
    }

  // Idempotent: a restart applies nothing and records nothing twice.
  BOOST_TEST(migrate(sql) == 0);
  BOOST_TEST(table_count(sql, "schema_migrations") ==
             static_cast<long long>(all.size()));
  std::string name;
  sql << "SELECT name FROM schema_migrations WHERE version = 1",
    soci::into(name);
  BOOST_TEST(name == "initial");
}

STORAGE_TEST_CASE(concurrent_migrators_apply_each_migration_once) {
  auto db = fresh_database(backend_name, false);
  constexpr int migrators = 4;
  std::vector<int> applied(migrators, -1);
  std::vector<std::exception_ptr> errors(migrators);
  std::barrier start{migrators};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < migrators; ++i)
      threads.emplace_back([&, i] {
        bool started = false;
        try {
          auto sql = db.connect(); // like a daemon starting
          start.arrive_and_wait();
          started = true;
          applied[i] = migrate(*sql);
        } catch (...) {
          errors[i] = std::current_exception();
          if (!started)
            start.arrive_and_drop();
        }
      });
  }
  for (const auto& error : errors) {
    try {
      if (error)
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
      BOOST_ERROR("migrate failed: " << e.what());
    }
  }
  const auto expected = static_cast<int>(migrations_for(*db.sql).size());
  int total = 0;
  for (int n : applied)
    total += n;
  BOOST_TEST(total == expected);
  BOOST_TEST(table_count(*db.sql, "schema_migrations") == expected);
  BOOST_TEST(schema_version(*db.sql) == expected);
}

BOOST_AUTO_TEST_CASE(both_backends_embed_the_same_migrations) {
  auto lite = fresh_database("sqlite", false);
  auto pg = fresh_database("postgresql", false);
  const auto& a = migrations_for(*lite.sql);
  const auto& b = migrations_for(*pg.sql);
  BOOST_TEST_REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    BOOST_TEST(a[i].number == static_cast<int>(i) + 1);
    BOOST_TEST(a[i].number == b[i].number);
    BOOST_TEST(a[i].name == b[i].name);
    BOOST_TEST(a[i].sql != b[i].sql); // one per dialect, not a shared file
  }
}

BOOST_AUTO_TEST_SUITE_END()
