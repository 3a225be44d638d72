#include "storage/cleanup_repository.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/statement.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"

namespace memoryd::storage {

namespace {

// -- SQL ---------------------------------------------------------------------

// Oldest first, served by sessions_updated_at_idx; the batch's rows are
// locked until its commit (dialect::skip_locked_sql).
constexpr const char* expired_sessions_sql =
  "SELECT session_id, updated_at FROM sessions WHERE updated_at < :cutoff";
constexpr const char* resume_condition_sql = " AND updated_at >= :from";
constexpr const char* oldest_first_sql = " ORDER BY updated_at LIMIT :limit";

// Read after the sessions are locked: no site can be added below them
// until the commit, so the list is complete.
constexpr const char* site_ids_sql = "SELECT site_id FROM sites WHERE session_id";

// The cutoff again: what was picked and what is deleted must agree even
// where the pick could not lock (it can on both backends today).
constexpr const char* delete_sessions_sql = "DELETE FROM sessions WHERE session_id";
constexpr const char* delete_condition_sql =
  " AND updated_at < :cutoff RETURNING session_id";

// One change feed event per expired session, written before the DELETE
// in its transaction (see event_repository.hpp), for the same rows.
constexpr const char* postgresql_expired_events_sql = R"sql(
INSERT INTO events (tenant, type, session_id, created_at)
SELECT tenant, 'session_expired', session_id, CAST(:now AS timestamptz)
FROM sessions WHERE session_id)sql";
constexpr const char* sqlite_expired_events_sql = R"sql(
INSERT INTO events (tenant, type, session_id, created_at)
SELECT tenant, 'session_expired', session_id, :now
FROM sessions WHERE session_id)sql";
constexpr const char* expired_condition_sql = " AND updated_at < :cutoff";

constexpr const char* count_sessions_sql =
  "SELECT count(*) FROM sessions WHERE updated_at < :cutoff";
constexpr const char* count_sites_sql =
  "SELECT count(*) FROM sites s JOIN sessions x ON x.session_id = s.session_id"
  " WHERE x.updated_at < :cutoff";

constexpr const char* insert_run_sql = R"sql(
INSERT INTO cleanup_runs (started_at, cutoff, outcome, dry_run, runner)
VALUES (:started_at, :cutoff, :outcome, :dry_run, :runner)
RETURNING run_id)sql";

constexpr const char* finish_run_sql = R"sql(
UPDATE cleanup_runs
SET finished_at = :finished_at, outcome = :outcome,
    deleted_sessions = :deleted_sessions, deleted_sites = :deleted_sites,
    message = :message
WHERE run_id = :run_id)sql";

constexpr const char* last_success_sql = R"sql(
SELECT finished_at FROM cleanup_runs
WHERE outcome = 'done' AND NOT dry_run AND finished_at IS NOT NULL
ORDER BY finished_at DESC LIMIT 1)sql";

constexpr const char* done_since_sql = R"sql(
SELECT run_id FROM cleanup_runs
WHERE outcome = 'done' AND NOT dry_run AND started_at >= :since
ORDER BY run_id LIMIT 1)sql";

// -- helpers -----------------------------------------------------------------

// SOCI 4.0.3 mishandles bulk fetches into vectors of size 1 (see
// session_repository.cpp).
std::vector<std::string> id_buffer(std::size_t capacity) {
  return std::vector<std::string>(std::max<std::size_t>(capacity, 2));
}

} // namespace

cleanup_repository::cleanup_repository(soci::session& sql) : sql_(sql) {
  // nop
}

expired_batch cleanup_repository::delete_expired(const std::string& cutoff,
                                                 std::size_t limit,
                                                 const std::string& from) {
  if (limit < 1)
    throw std::invalid_argument("a cleanup batch holds at least one session");
  const auto at = dialect::timestamp_to_db(cutoff, "cutoff");
  const auto b = backend_of(sql_);
  const auto n = static_cast<long long>(limit);

  expired_batch out;
  write_transaction tx{sql_};
  // A batch lost in a crash is deleted again by the next run; the run's
  // record, committed synchronously afterwards, flushes every batch before
  // it.
  if (const auto async = dialect::async_commit_sql(b); !async.empty())
    sql_ << async;
  auto picked = id_buffer(limit);
  auto picked_at = id_buffer(limit);
  const auto pick_sql = std::string{expired_sessions_sql}
                        + (from.empty() ? "" : resume_condition_sql)
                        + oldest_first_sql
                        + std::string{dialect::skip_locked_sql(b)};
  if (from.empty())
    sql_ << pick_sql, soci::use(at, "cutoff"), soci::use(n, "limit"),
      soci::into(picked), soci::into(picked_at);
  else
    sql_ << pick_sql, soci::use(at, "cutoff"), soci::use(from, "from"),
      soci::use(n, "limit"), soci::into(picked), soci::into(picked_at);
  if (picked.empty())
    return out;  // rolled back: nothing was written
  out.next_from = picked_at.back();
  const auto ids = dialect::id_list(b, picked);
  const auto in_ids = std::string{dialect::in_id_list_sql(b)};

  soci::rowset<std::string> sites
    = (sql_.prepare << site_ids_sql + in_ids, soci::use(ids, "ids"));
  for (auto& id : sites)
    out.site_ids.push_back(id);

  const auto now = dialect::timestamp_to_db(now_timestamp(), "now");
  sql_ << std::string{b == backend::postgresql ? postgresql_expired_events_sql
                                               : sqlite_expired_events_sql}
            + in_ids + expired_condition_sql,
    soci::use(ids, "ids"), soci::use(now, "now"), soci::use(at, "cutoff");

  out.session_ids = id_buffer(picked.size());
  sql_ << delete_sessions_sql + in_ids + delete_condition_sql,
    soci::use(ids, "ids"), soci::use(at, "cutoff"),
    soci::into(out.session_ids);
  tx.commit();
  return out;
}

expired_counts cleanup_repository::count_expired(const std::string& cutoff) {
  const auto at = dialect::timestamp_to_db(cutoff, "cutoff");
  expired_counts out;
  read_snapshot snapshot{sql_};  // both counts of one moment
  long long n = 0;
  sql_ << count_sessions_sql, soci::use(at, "cutoff"), soci::into(n);
  out.sessions = n;
  sql_ << count_sites_sql, soci::use(at, "cutoff"), soci::into(n);
  out.sites = n;
  return out;
}

int64_t cleanup_repository::start_run(const cleanup_run_start& run) {
  const auto started_at = dialect::timestamp_to_db(run.started_at, "started_at");
  const auto cutoff = dialect::timestamp_to_db(run.cutoff, "cutoff");
  const std::string outcome{cleanup_outcome::running};
  const int dry_run = run.dry_run ? 1 : 0;
  nullable runner{!run.runner.empty()};
  long long run_id = 0;
  sql_ << insert_run_sql, soci::use(started_at, "started_at"),
    soci::use(cutoff, "cutoff"), soci::use(outcome, "outcome"),
    soci::use(dry_run, "dry_run"), soci::use(run.runner, runner.flag, "runner"),
    soci::into(run_id);
  return run_id;
}

void cleanup_repository::finish_run(int64_t run_id, const cleanup_run_end& end) {
  const auto finished_at =
    dialect::timestamp_to_db(end.finished_at, "finished_at");
  const std::string outcome{end.outcome};
  const long long sessions = end.deleted.sessions;
  const long long sites = end.deleted.sites;
  const long long id = run_id;
  nullable message{!end.message.empty()};
  sql_ << finish_run_sql, soci::use(finished_at, "finished_at"),
    soci::use(outcome, "outcome"), soci::use(sessions, "deleted_sessions"),
    soci::use(sites, "deleted_sites"),
    soci::use(end.message, message.flag, "message"), soci::use(id, "run_id");
}

int64_t cleanup_repository::record_run(const cleanup_run_start& run,
                                       const cleanup_run_end& end) {
  write_transaction tx{sql_};
  const auto run_id = start_run(run);
  finish_run(run_id, end);
  tx.commit();
  return run_id;
}

std::optional<std::string> cleanup_repository::last_success() {
  std::string finished_at;
  sql_ << last_success_sql, soci::into(finished_at);
  if (!sql_.got_data())
    return std::nullopt;
  return dialect::timestamp_from_db(finished_at);
}

std::optional<int64_t> cleanup_repository::done_since(const std::string& t) {
  const auto since = dialect::timestamp_to_db(t, "since");
  long long run_id = 0;
  sql_ << done_since_sql, soci::use(since, "since"), soci::into(run_id);
  if (!sql_.got_data())
    return std::nullopt;
  return run_id;
}

} // namespace memoryd::storage
