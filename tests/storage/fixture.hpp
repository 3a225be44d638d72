#pragma once

// What the storage tests share: a fresh, migrated database per test case on
// either backend, ids, and small SQL probes.

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/records.hpp"
#include "tests/support/sql_probe.hpp"

namespace memoryd::storage::test {

/// The backends every repository case runs on.
inline constexpr std::array<const char*, 2> backend_names{"sqlite",
                                                          "postgresql"};

/// A new empty database of that backend ("sqlite" or "postgresql").
struct database {
  database_url url;
  std::unique_ptr<soci::session> sql;

  /// Another connection to the same database.
  std::unique_ptr<soci::session> connect() const;
};

/// A fresh database, migrated unless `migrated` is false.
database fresh_database(std::string_view backend_name, bool migrated = true);

/// A connection to the PostgreSQL server's "postgres" database as superuser.
std::unique_ptr<soci::session> pg_admin_connection();

/// A random version-4 UUID in canonical (lower-case) form.
std::string random_uuid();

/// A session ready for session_repository::create().
session_record make_session(std::string tenant = "",
                            std::string created_at = "2026-11-24T02:00:00.000000Z");

using memoryd::test::count_where;

/// Everything a session can own, one row in each table below it (a site
/// with version 1, an audit and a deployment of it), by plain SQL.
void insert_site_tree(soci::session& sql, const std::string& session_id,
                      const std::string& site_id);

/// Two sessions (session_repository::create), each with a site tree: one
/// for a test to delete, one that must stay whole.
struct doomed_and_kept {
  std::string doomed_session, doomed_site, kept_session, kept_site;
};
doomed_and_kept insert_two_site_trees(soci::session& sql);

/// The rows insert_site_tree() wrote that are still there (4 after it).
long long site_tree_rows(soci::session& sql, const std::string& site_id);

/// Whether two JSON texts hold the same value (PostgreSQL's jsonb rewrites
/// the text: key order, white space).
bool same_json(std::string_view a, std::string_view b);

} // namespace memoryd::storage::test

/// A test case that runs once on SQLite and once on PostgreSQL; the body
/// sees `backend_name`. Boost.Test names the backend when a check fails.
#define STORAGE_TEST_CASE(name)                                                \
  BOOST_DATA_TEST_CASE(name,                                                   \
                       boost::unit_test::data::make(                           \
                         memoryd::storage::test::backend_names),               \
                       backend_name)
