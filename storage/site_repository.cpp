#include "storage/site_repository.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include <soci/soci.h>

#include "storage/code_blobs.hpp"
#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/errors.hpp"
#include "storage/prepared_statement.hpp"
#include "storage/site_checks.hpp"
#include "storage/site_fetch.hpp"
#include "storage/site_insert.hpp"
#include "storage/site_sql.hpp"
#include "storage/statement.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"
#include "storage/uuid.hpp"
#include "storage/version_insert.hpp"

namespace memoryd::storage {
namespace {

using namespace site_fetch;
using namespace site_sql;
using namespace site_checks;

// -- statements --------------------------------------------------------------

// Whether `query` (with an :id parameter) returns a row.
bool exists(soci::session& sql, const std::string& query,
            const std::string& id) {
  int one = 0;
  sql << query, soci::use(id, "id"), soci::into(one);
  return sql.got_data();
}

std::optional<site_record> find_site(soci::session& sql,
                                     const std::string& site_id) {
  site_rows rows;
  soci::statement st{sql};
  fetch_into(rows, st, 1);
  st.exchange(soci::use(site_id, "site_id"));
  run_once(st, std::string{select_sites_sql} + site_by_id_sql);
  if (rows.size() == 0)
    return std::nullopt;
  return rows.take(0);
}

std::optional<version_record>
find_version(soci::session& sql, const std::string& site_id, int64_t n) {
  version_rows rows{true};
  soci::statement st{sql};
  fetch_into(rows, st, 1);
  st.exchange(soci::use(site_id, "site_id"));
  st.exchange(soci::use(n, "version"));
  run_once(st, std::string{select_versions_sql} + and_code_sql
                 + versions_with_code_sql + where_site_sql + and_version_sql);
  if (rows.size() == 0)
    return std::nullopt;
  return rows.take(0);
}

// Up to `limit` versions below `before_version` (0: all), newest first,
// without code. `limit` may be 0, for has_more alone.
version_page versions_below(soci::session& sql, const std::string& site_id,
                            std::size_t limit, int64_t before_version) {
  // One row more than asked tells whether another page follows.
  const auto fetch = static_cast<long long>(limit) + 1;
  version_rows rows{false};
  soci::statement st{sql};
  fetch_into(rows, st, static_cast<std::size_t>(fetch));
  std::string query = std::string{select_versions_sql} + from_site_versions_sql;
  st.exchange(soci::use(site_id, "site_id"));
  if (before_version > 0) {
    query += and_below_version_sql;
    st.exchange(soci::use(before_version, "before_version"));
  }
  query += version_page_order_sql;
  st.exchange(soci::use(fetch, "limit"));
  run_once(st, query);
  version_page page;
  page.items = take_rows(rows, limit, page.has_more);
  return page;
}

// The newest `limit` rows of `query` (audits or deployments of a site).
template <class Rows>
auto newest_of_site(soci::session& sql, const std::string& query,
                    const std::string& site_id, std::size_t limit,
                    bool& has_more) {
  const auto fetch = static_cast<long long>(limit) + 1;
  Rows rows;
  soci::statement st{sql};
  fetch_into(rows, st, static_cast<std::size_t>(fetch));
  st.exchange(soci::use(site_id, "site_id"));
  st.exchange(soci::use(fetch, "limit"));
  run_once(st, query);
  return take_rows(rows, limit, has_more);
}

// Bumps the site's revision under its row lock, which every write below a
// site takes first, so that writers of one site queue in one order.
void touch_site(soci::session& sql, const std::string& site_id,
                const std::string& updated_at) {
  long long revision = 0;
  sql << touch_site_sql, soci::use(updated_at, "updated_at"),
    soci::use(site_id, "site_id"), soci::into(revision);
  if (!sql.got_data())
    throw not_found(no_site(site_id));
}

} // namespace

site_repository::site_repository(soci::session& sql) : sql_(sql) {
  // nop
}

site_record site_repository::create(const site_record& site,
                                    const new_version& first) {
  require_uuid(site.site_id, "site id");
  require_text(site.name, "name");
  if (site.has_site_type)
    require_text(site.site_type, "site_type");
  require_version_text(first);
  if (!is_canonical_uuid(site.session_id))
    throw not_found(no_session(site.session_id));
  site_record stored = site;
  stored.created_at =
    timestamp_or(site.created_at, now_timestamp(), "created_at");
  stored.updated_at =
    timestamp_or(site.updated_at, stored.created_at, "updated_at");
  if (!stored.has_site_type)
    stored.site_type.clear();
  stored.latest_version = 1;
  stored.revision = 1;
  const auto first_created_at =
    timestamp_or(first.created_at, stored.created_at, "version created_at");
  nullable site_type{site.has_site_type};
  auto code = code_blobs::encode(sql_, site.site_id, 0,
                                 {{first.code, first.code_sha256}});
  nullable creator{!site.created_by.empty()};

  write_transaction tx{sql_};
  // Asked here rather than read from a foreign-key error; the lock keeps
  // the session until commit (see dialect::key_share_lock_sql).
  if (!exists(sql_,
              std::string{session_exists_sql}
                + std::string{dialect::key_share_lock_sql(backend_of(sql_))},
              site.session_id))
    throw not_found(no_session(site.session_id));
  long long revision = 0;
  sql_ << insert_site_sql, soci::use(site.site_id, "site_id"),
    soci::use(site.session_id, "session_id"), soci::use(site.name, "name"),
    soci::use(site.site_type, site_type.flag, "site_type"),
    soci::use(site.created_by, creator.flag, "created_by"),
    soci::use(stored.created_at, "created_at"),
    soci::use(stored.updated_at, "updated_at"), soci::into(revision);
  if (!sql_.got_data())
    throw conflict("site " + site.site_id + " already exists");
  code_blobs::store(sql_, code);
  version_insert::insert(sql_, site.site_id, 1, first, first_created_at,
                         code.front());
  tx.commit();
  return stored;
}

std::vector<int64_t>
site_repository::add_versions(const std::string& site_id,
                              const std::vector<new_version>& batch,
                              int64_t* new_revision) {
  if (batch.empty())
    throw std::invalid_argument("no versions to add to site " + site_id);
  for (const auto& v : batch)
    require_version_text(v);
  if (!is_canonical_uuid(site_id))
    throw not_found(no_site(site_id));
  const auto now = now_timestamp();
  std::vector<std::string> created_at;
  created_at.reserve(batch.size());
  for (const auto& v : batch)
    created_at.push_back(timestamp_or(v.created_at, now, "version created_at"));
  const auto count = static_cast<long long>(batch.size());
  std::vector<code_blobs::code_ref> refs;
  refs.reserve(batch.size());
  for (const auto& v : batch)
    refs.push_back({v.code, v.code_sha256});
  // Read and compressed before the site's row lock is taken.
  auto codes = code_blobs::encode(sql_, site_id, 0, refs);

  write_transaction tx{sql_};
  // The site's row lock first, the blobs after it: a writer queued behind
  // that lock then holds nothing that writers of other sites wait for (a
  // blob it inserted would stop any of them storing the same text until
  // this transaction ends). No reader sees the new version before the
  // commit, so its blob may come after its row.
  if (count == 1 && backend_of(sql_) == backend::postgresql) {
    long long revision = 0;
    const auto number = version_insert::add_one_postgresql(
      sql_, site_id, batch.front(), created_at.front(), codes.front(), revision);
    code_blobs::store(sql_, codes);
    tx.commit();
    if (new_revision != nullptr)
      *new_revision = revision;
    return {number};
  }
  static const prepared_sql reserve{"memoryd_reserve_versions",
                                    reserve_versions_sql};
  long long reserved[2] = {0, 0};  // the latest version, the revision
  if (!run_prepared(sql_, reserve,
                    statement_params{}
                      .integer("count", count)
                      .text("updated_at", created_at.back())
                      .text("site_id", site_id),
                    reserved))
    throw not_found(no_site(site_id));
  const auto [latest, revision] = reserved;
  code_blobs::store(sql_, codes);
  std::vector<int64_t> numbers;
  numbers.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const long long number = latest - count + 1 + static_cast<long long>(i);
    version_insert::insert(sql_, site_id, number, batch[i], created_at[i],
                           codes[i]);
    numbers.push_back(number);
  }
  tx.commit();
  if (new_revision != nullptr)
    *new_revision = revision;
  return numbers;
}

site_record site_repository::fork(const site_fork& f) {
  require_uuid(f.site_id, "site id");
  if (f.has_name)
    require_text(f.name, "name");
  if (f.up_to_version < 0)
    throw std::invalid_argument("up_to_version must not be negative");
  if (!is_canonical_uuid(f.source_site_id))
    throw not_found(no_site(f.source_site_id));
  if (!f.session_id.empty() && !is_canonical_uuid(f.session_id))
    throw not_found(no_session(f.session_id));
  const auto created_at =
    timestamp_or(f.created_at, now_timestamp(), "created_at");

  write_transaction tx{sql_};
  // Versions up to the committed latest_version are all committed (they
  // commit together), so this statement's snapshot and the copy's agree on
  // them. Key-share locks keep the source site and the target session from
  // being deleted until commit.
  long long latest = 0;
  long long revision = 0;
  std::string source_session;
  const auto key_share = dialect::key_share_lock_sql(backend_of(sql_));
  sql_ << std::string{select_fork_source_sql} + std::string{key_share},
    soci::use(f.source_site_id, "site_id"), soci::into(latest),
    soci::into(source_session);
  if (!sql_.got_data())
    throw not_found(no_site(f.source_site_id));
  const auto& session_id = f.session_id.empty() ? source_session : f.session_id;
  if (session_id != source_session
      && !exists(sql_, std::string{session_exists_sql} + std::string{key_share},
                 session_id))
    throw not_found(no_session(session_id));
  const long long up_to = f.up_to_version == 0 ? latest : f.up_to_version;
  if (up_to > latest)
    throw not_found(no_version(f.source_site_id, up_to));
  nullable name{f.has_name};
  nullable creator{!f.agent.empty()};
  sql_ << insert_fork_site_sql, soci::use(f.site_id, "site_id"),
    soci::use(session_id, "session_id"), soci::use(f.name, name.flag, "name"),
    soci::use(up_to, "up_to"), soci::use(created_at, "created_at"),
    soci::use(f.agent, creator.flag, "created_by"),
    soci::use(f.source_site_id, "source_site_id"), soci::into(revision);
  if (!sql_.got_data())
    throw conflict("site " + f.site_id + " already exists");
  sql_ << copy_fork_versions_sql, soci::use(f.site_id, "site_id"),
    soci::use(f.source_site_id, "source_site_id"), soci::use(up_to, "up_to");
  tx.commit();
  auto stored = find_site(sql_, f.site_id);
  return std::move(*stored);
}

std::optional<site_view>
site_repository::view(const std::string& site_id, std::size_t max_versions,
                      std::size_t max_audits, std::size_t max_deployments) {
  require_limit(max_versions, 0, "versions");
  require_limit(max_audits, 0, "audits");
  require_limit(max_deployments, 0, "deployments");
  if (!is_canonical_uuid(site_id))
    return std::nullopt;
  // The revision reported describes exactly the content returned (the cache
  // keeps the rendering of the higher revision).
  read_snapshot snapshot{sql_};
  auto site = find_site(sql_, site_id);
  if (!site)
    return std::nullopt;
  auto latest = find_version(sql_, site_id, site->latest_version);
  if (!latest) // only a hand edit could do this
    throw std::runtime_error("site " + site_id + " has no version "
                             + std::to_string(site->latest_version)
                             + ", its latest_version");
  site_view v;
  v.site = std::move(*site);
  v.latest = std::move(*latest);
  auto versions = versions_below(sql_, site_id, max_versions, 0);
  v.versions = std::move(versions.items);
  v.versions_truncated = versions.has_more;
  v.audits = newest_of_site<audit_rows>(
    sql_, std::string{select_audits_sql} + newest_audits_of_site_sql, site_id,
    max_audits, v.audits_truncated);
  v.deployments = newest_of_site<deployment_rows>(
    sql_, std::string{select_deployments_sql} + newest_deployments_of_site_sql,
    site_id, max_deployments, v.deployments_truncated);
  return v;
}

site_page site_repository::list_sites(const std::string& session_id,
                                      std::size_t limit, bool has_cursor,
                                      const std::string& after_created_at,
                                      const std::string& after_site_id) {
  require_limit(limit, 1, "sites");
  std::string after;
  if (has_cursor) {
    after = dialect::timestamp_to_db(after_created_at, "cursor timestamp");
    require_uuid(after_site_id, "cursor site id");
  }
  if (!is_canonical_uuid(session_id))
    throw not_found(no_session(session_id));
  const auto fetch = static_cast<long long>(limit) + 1;

  site_rows rows;
  soci::statement st{sql_};
  fetch_into(rows, st, static_cast<std::size_t>(fetch));
  std::string query = std::string{select_sites_sql} + sites_of_session_sql;
  st.exchange(soci::use(session_id, "session_id"));
  if (has_cursor) {
    query += and_after_site_sql;
    st.exchange(soci::use(after, "after_created_at"));
    st.exchange(soci::use(after_site_id, "after_site_id"));
  }
  query += site_page_order_sql;
  st.exchange(soci::use(fetch, "limit"));
  run_once(st, query);

  site_page page;
  page.items = take_rows(rows, limit, page.has_more);
  // Only an empty page leaves open whether the session exists.
  if (page.items.empty() && !exists(sql_, session_exists_sql, session_id))
    throw not_found(no_session(session_id));
  return page;
}

version_page site_repository::list_versions(const std::string& site_id,
                                            std::size_t limit,
                                            int64_t before_version) {
  require_limit(limit, 1, "versions");
  if (before_version < 0)
    throw std::invalid_argument("cursor version "
                                + std::to_string(before_version)
                                + " is negative");
  if (!is_canonical_uuid(site_id))
    throw not_found(no_site(site_id));
  auto page = versions_below(sql_, site_id, limit, before_version);
  if (page.items.empty() && !exists(sql_, site_exists_sql, site_id))
    throw not_found(no_site(site_id));
  return page;
}

std::optional<version_record>
site_repository::version(const std::string& site_id, int64_t n) {
  if (!is_canonical_uuid(site_id) || n < 1)
    return std::nullopt;
  return find_version(sql_, site_id, n);
}

audit_record site_repository::add_audit(const audit_record& a) {
  site_insert::require_audit(a);
  if (!is_canonical_uuid(a.site_id))
    throw not_found(no_site(a.site_id));
  audit_record stored = a;
  stored.created_at = timestamp_or(a.created_at, now_timestamp(), "created_at");
  if (!stored.has_results)
    stored.results_json.clear();

  write_transaction tx{sql_};
  touch_site(sql_, a.site_id, stored.created_at);
  long long version = 0;
  sql_ << set_audit_score_sql, soci::use(a.score, "score"),
    soci::use(a.site_id, "site_id"), soci::use(a.version, "version"),
    soci::into(version);
  if (!sql_.got_data())
    throw not_found(no_version(a.site_id, a.version));
  site_insert::insert_audit(sql_, a.site_id, a, stored.created_at);
  tx.commit();
  return stored;
}

deployment_record site_repository::add_deployment(const deployment_record& d) {
  site_insert::require_deployment(d);
  if (!is_canonical_uuid(d.site_id))
    throw not_found(no_site(d.site_id));
  deployment_record stored = d;
  stored.created_at = timestamp_or(d.created_at, now_timestamp(), "created_at");
  if (!stored.has_url)
    stored.url.clear();
  if (!stored.has_provider)
    stored.provider.clear();
  if (!stored.has_details)
    stored.details_json.clear();

  write_transaction tx{sql_};
  touch_site(sql_, d.site_id, stored.created_at);
  int one = 0;
  sql_ << version_exists_sql, soci::use(d.site_id, "site_id"),
    soci::use(d.version, "version"), soci::into(one);
  if (!sql_.got_data())
    throw not_found(no_version(d.site_id, d.version));
  site_insert::insert_deployment(sql_, d.site_id, d, stored.created_at);
  tx.commit();
  return stored;
}

std::vector<std::string>
site_repository::site_ids_of_session(const std::string& session_id) {
  std::vector<std::string> ids;
  if (!is_canonical_uuid(session_id))
    return ids;
  // A session has few sites; a rowset needs no upper bound on them.
  soci::rowset<std::string> rows =
    (sql_.prepare << select_site_ids_sql, soci::use(session_id, "session_id"));
  for (auto& id : rows)
    ids.push_back(id);
  return ids;
}

std::optional<int64_t> site_repository::revision(const std::string& site_id) {
  if (!is_canonical_uuid(site_id))
    return std::nullopt;
  long long revision = 0;
  soci::indicator ind = soci::i_null;
  sql_ << select_revision_sql, soci::use(site_id, "id"),
    soci::into(revision, ind);
  if (!sql_.got_data() || ind != soci::i_ok)
    return std::nullopt;
  return static_cast<int64_t>(revision);
}

} // namespace memoryd::storage
