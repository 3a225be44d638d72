#include "storage/archive_repository.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <soci/soci.h>

#include "storage/code_blobs.hpp"
#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/errors.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_checks.hpp"
#include "storage/site_fetch.hpp"
#include "storage/site_insert.hpp"
#include "storage/site_sql.hpp"
#include "storage/statement.hpp"
#include "storage/transaction.hpp"
#include "storage/uuid.hpp"

namespace memoryd::storage {
namespace {

using namespace site_fetch;
using namespace site_sql;
using namespace site_checks;

// -- SQL ---------------------------------------------------------------------

// The rows below all sites of one session, each kind in one query rather
// than one per site, grouped by site and in the order of the export.
constexpr const char* of_sessions_sites_sql = R"sql(
 WHERE site_id IN (SELECT site_id FROM sites WHERE session_id = :session_id))sql";
constexpr const char* sites_in_order_sql = " ORDER BY created_at, site_id";
constexpr const char* versions_in_order_sql = " ORDER BY site_id, version";
constexpr const char* audits_in_order_sql =
  " ORDER BY site_id, created_at, audit_id";
constexpr const char* deployments_in_order_sql =
  " ORDER BY site_id, created_at, deployment_id";

// A site and a version as they were, where site_repository writes new ones.
constexpr const char* insert_archived_site_sql = R"sql(
INSERT INTO sites
    (site_id, session_id, name, site_type, latest_version, revision,
     forked_from_site_id, forked_from_version, created_by, created_at,
     updated_at)
VALUES
    (:site_id, :session_id, :name, :site_type, :latest_version, :revision,
     :forked_from_site_id, :forked_from_version, :created_by, :created_at,
     :updated_at)
ON CONFLICT (site_id) DO NOTHING
RETURNING revision)sql";

constexpr const char* insert_archived_version_sql = R"sql(
INSERT INTO site_versions
    (site_id, version, code, code_size, code_sha256, requirements, changes,
     audit_score, restored_from, agent, created_at)
VALUES
    (:site_id, :version, :code, :code_size, :code_sha256, :requirements,
     :changes, :audit_score, :restored_from, :agent, :created_at)
ON CONFLICT (site_id, version) DO NOTHING
RETURNING version)sql";

// Rows of 50 KB of code each: a batch of them is a few MB.
constexpr std::size_t version_batch = 64;
constexpr std::size_t row_batch = 256;

// -- reading -----------------------------------------------------------------

// Every row of `select` + `where` + `order` below the session's sites.
template <class Rows>
auto below_sites(soci::session& sql, Rows rows, const char* select,
                 const char* order, const std::string& session_id,
                 std::size_t batch) {
  soci::statement st{sql};
  st.exchange(soci::use(session_id, "session_id"));
  return fetch_all(rows, st,
                   std::string{select} + of_sessions_sites_sql + order, batch);
}

std::vector<site_archive> read_sites(soci::session& sql,
                                     const std::string& session_id) {
  site_rows sites;
  soci::statement st{sql};
  st.exchange(soci::use(session_id, "session_id"));
  std::vector<site_archive> out;
  std::unordered_map<std::string, std::size_t> index;
  for (auto& site : fetch_all(sites, st,
                              std::string{select_sites_sql}
                                + sites_of_session_sql + sites_in_order_sql,
                              row_batch)) {
    index.emplace(site.site_id, out.size());
    out.push_back({std::move(site), {}, {}, {}});
  }
  if (out.empty())
    return out;
  // In one snapshot, every row below belongs to one of these sites.
  auto owner = [&](const std::string& site_id) -> site_archive& {
    return out.at(index.at(site_id));
  };
  const auto versions_sql =
    std::string{select_versions_sql} + and_code_sql + versions_with_code_sql;
  for (auto& v : below_sites(sql, version_rows{true}, versions_sql.c_str(),
                             versions_in_order_sql, session_id, version_batch))
    owner(v.site_id).versions.push_back(std::move(v));
  for (auto& a : below_sites(sql, audit_rows{}, select_audits_sql,
                             audits_in_order_sql, session_id, row_batch))
    owner(a.site_id).audits.push_back(std::move(a));
  for (auto& d : below_sites(sql, deployment_rows{}, select_deployments_sql,
                             deployments_in_order_sql, session_id, row_batch))
    owner(d.site_id).deployments.push_back(std::move(d));
  return out;
}

// -- writing -----------------------------------------------------------------

// Rows that each expect a RETURNING row back: none means the id was taken.
void require_inserted(soci::session& sql, const std::string& what) {
  if (!sql.got_data())
    throw conflict(what + " already exists");
}

void write_site(soci::session& sql, const site_record& s, int64_t latest) {
  require_uuid(s.site_id, "site id");
  require_text(s.name, "name");
  if (s.has_site_type)
    require_text(s.site_type, "site_type");
  const auto created_at = dialect::timestamp_to_db(s.created_at, "created_at");
  const auto updated_at = dialect::timestamp_to_db(s.updated_at, "updated_at");
  nullable site_type{s.has_site_type};
  nullable forked{s.has_forked_from};
  nullable creator{!s.created_by.empty()};
  const long long forked_version = s.forked_from_version;
  long long revision = 0;
  sql << insert_archived_site_sql, soci::use(s.site_id, "site_id"),
    soci::use(s.session_id, "session_id"), soci::use(s.name, "name"),
    soci::use(s.site_type, site_type.flag, "site_type"),
    soci::use(latest, "latest_version"), soci::use(s.revision, "revision"),
    soci::use(s.forked_from_site_id, forked.flag, "forked_from_site_id"),
    soci::use(forked_version, forked.flag, "forked_from_version"),
    soci::use(s.created_by, creator.flag, "created_by"),
    soci::use(created_at, "created_at"), soci::use(updated_at, "updated_at"),
    soci::into(revision);
  require_inserted(sql, "site " + s.site_id);
}

void write_version(soci::session& sql, const std::string& site_id,
                   const version_record& v,
                   const code_blobs::encoded_code& stored) {
  require_version_text(v);
  const auto created_at =
    dialect::timestamp_to_db(v.created_at, "version created_at");
  nullable requirements{v.has_requirements};
  nullable changes{v.has_changes};
  nullable audit_score{v.has_audit_score};
  const std::string no_code;
  nullable restored{v.restored_from > 0};
  nullable agent{!v.agent.empty()};
  const long long restored_from = v.restored_from;
  long long inserted = 0;
  sql << insert_archived_version_sql, soci::use(site_id, "site_id"),
    soci::use(v.version, "version"),
    soci::use(stored.plain ? v.code : no_code, "code"),
    soci::use(v.code_size, "code_size"),
    soci::use(v.code_sha256, "code_sha256"),
    soci::use(v.requirements_json, requirements.flag, "requirements"),
    soci::use(v.changes, changes.flag, "changes"),
    soci::use(v.audit_score, audit_score.flag, "audit_score"),
    soci::use(restored_from, restored.flag, "restored_from"),
    soci::use(v.agent, agent.flag, "agent"),
    soci::use(created_at, "created_at"), soci::into(inserted);
  require_inserted(sql, "version " + std::to_string(v.version) + " of site "
                          + site_id);
}

// The archive's versions of a site are 1..latest (checked before any row is
// written); an audit or a deployment must name one of them. No key checks
// this since audits and deployments cascade from the site (migration 8).
void require_archived_version(const std::string& site_id, int64_t version,
                              int64_t latest, const char* what) {
  if (version < 1 || version > latest)
    throw std::invalid_argument(std::string{what} + " of site " + site_id
                                + " names version " + std::to_string(version)
                                + ", which the site does not have");
}

void write_audit(soci::session& sql, const std::string& site_id,
                 const audit_record& a, int64_t latest) {
  site_insert::require_audit(a);
  require_archived_version(site_id, a.version, latest, "an audit");
  site_insert::insert_audit(
    sql, site_id, a, dialect::timestamp_to_db(a.created_at, "audit created_at"));
}

void write_deployment(soci::session& sql, const std::string& site_id,
                      const deployment_record& d, int64_t latest) {
  site_insert::require_deployment(d);
  require_archived_version(site_id, d.version, latest, "a deployment");
  site_insert::insert_deployment(
    sql, site_id, d,
    dialect::timestamp_to_db(d.created_at, "deployment created_at"));
}

// The blobs of each site's versions, planned before the transaction: a
// site of the archive is new, so its chain starts with its version 1.
std::vector<std::vector<code_blobs::encoded_code>>
encode_sites(soci::session& sql, const session_archive& archive) {
  std::vector<std::vector<code_blobs::encoded_code>> out;
  for (const auto& site : archive.sites) {
    std::vector<code_blobs::code_ref> refs;
    for (const auto& v : site.versions)
      refs.push_back({v.code, v.code_sha256});
    out.push_back(code_blobs::encode(sql, site.site.site_id, 0, refs));
  }
  return out;
}

void write_site_archive(soci::session& sql, const std::string& session_id,
                        const site_archive& s,
                        std::vector<code_blobs::encoded_code>& codes) {
  if (s.versions.empty())
    throw std::invalid_argument("site " + s.site.site_id + " has no version");
  // The history stays gapless: exactly 1..n, which also makes n the latest.
  for (std::size_t i = 0; i < s.versions.size(); ++i)
    if (s.versions[i].version != static_cast<int64_t>(i) + 1)
      throw std::invalid_argument("the versions of site " + s.site.site_id
                                  + " are not numbered 1, 2, 3, ... in order");
  site_record site = s.site;
  site.session_id = session_id;
  const auto latest = static_cast<int64_t>(s.versions.size());
  write_site(sql, site, latest);
  code_blobs::store(sql, codes);
  for (std::size_t i = 0; i < s.versions.size(); ++i)
    write_version(sql, site.site_id, s.versions[i], codes[i]);
  for (const auto& a : s.audits)
    write_audit(sql, site.site_id, a, latest);
  for (const auto& d : s.deployments)
    write_deployment(sql, site.site_id, d, latest);
}

} // namespace

archive_repository::archive_repository(soci::session& sql) : sql_(sql) {
  // nop
}

std::optional<session_archive>
archive_repository::read(const std::string& session_id, bool include_sites) {
  if (!is_canonical_uuid(session_id))
    return std::nullopt;
  read_snapshot snapshot{sql_};
  auto session = session_repository{sql_}.find(session_id);
  if (!session)
    return std::nullopt;
  session_archive out;
  out.session = std::move(*session);
  out.has_sites = include_sites;
  if (include_sites)
    out.sites = read_sites(sql_, session_id);
  return out;
}

void archive_repository::write(const session_archive& archive,
                               std::chrono::system_clock::time_point commit_by) {
  auto codes = encode_sites(sql_, archive);
  write_transaction tx{sql_};
  try {
    session_repository{sql_}.insert(archive.session);
    for (std::size_t i = 0; i < archive.sites.size(); ++i)
      write_site_archive(sql_, archive.session.session_id, archive.sites[i],
                         codes[i]);
  } catch (const soci::soci_error& e) {
    // Not worth a retry, and not the database's fault: the archive itself
    // breaks a rule (its message would quote whole rows of code).
    if (dialect::classify(sql_, e) != dialect::failure::constraint_violation)
      throw;
    std::string_view what = e.what();
    throw std::invalid_argument(
      "the document breaks a rule of the database: "
      + std::string{what.substr(0, what.find('\n'))}.substr(0, 200));
  }
  if (std::chrono::system_clock::now() > commit_by)
    throw deadline_passed("the import did not finish within the request's "
                          "deadline; nothing was written");
  tx.commit();
}

} // namespace memoryd::storage
