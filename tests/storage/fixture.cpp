#include "tests/storage/fixture.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include <boost/json.hpp>

#include "storage/migrations.hpp"
#include "storage/session_repository.hpp"
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

void insert_site_tree(soci::session& sql, const std::string& session_id,
                      const std::string& site_id) {
  const std::string t = "2026-11-24T02:00:00.000000Z";
  const auto audit_id = random_uuid();
  const auto deployment_id = random_uuid();
  sql << "INSERT INTO sites (site_id, session_id, name, latest_version,"
         " created_at, updated_at) VALUES (:site, :session, 'home', 1, :t, :t)",
    soci::use(site_id, "site"), soci::use(session_id, "session"),
    soci::use(t, "t");
  sql << "INSERT INTO site_versions (site_id, version, code, code_size,"
         " code_sha256, requirements, created_at)"
         " VALUES (:site, 1, '<html>', 6, 'abc', '{\"a\": 1}', :t)",
    soci::use(site_id, "site"), soci::use(t, "t");
  sql << "INSERT INTO audits (audit_id, site_id, version, score, results,"
         " created_at) VALUES (:audit, :site, 1, 97.5, '{}', :t)",
    soci::use(audit_id, "audit"), soci::use(site_id, "site"),
    soci::use(t, "t");
  sql << "INSERT INTO deployments (deployment_id, site_id, version, status,"
         " created_at) VALUES (:deployment, :site, 1, 'succeeded', :t)",
    soci::use(deployment_id, "deployment"), soci::use(site_id, "site"),
    soci::use(t, "t");
}

doomed_and_kept insert_two_site_trees(soci::session& sql) {
  session_repository repo{sql};
  const auto doomed = make_session();
  const auto kept = make_session();
  repo.create(doomed);
  repo.create(kept);
  doomed_and_kept out{doomed.session_id, random_uuid(), kept.session_id,
                      random_uuid()};
  insert_site_tree(sql, out.doomed_session, out.doomed_site);
  insert_site_tree(sql, out.kept_session, out.kept_site);
  return out;
}

long long site_tree_rows(soci::session& sql, const std::string& site_id) {
  long long n = 0;
  for (const char* table : {"sites", "site_versions", "audits", "deployments"})
    n += count_where(sql, table, "site_id", site_id);
  return n;
}

bool same_json(std::string_view a, std::string_view b) {
  return boost::json::parse(a) == boost::json::parse(b);
}

} // namespace memoryd::storage::test
