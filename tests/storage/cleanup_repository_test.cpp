// The retention cleanup's storage side: which sessions are expired (the
// boundary), batches and their cascade, the record of runs, and the
// fleet lock.

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/cleanup_lock.hpp"
#include "storage/cleanup_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/timestamp.hpp"
#include "tests/storage/fixture.hpp"
#include "tests/support/eventually.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;
using namespace std::chrono_literals;

namespace {

const auto cutoff_time = *parse_timestamp("2026-08-26T02:00:00.000000Z");
const auto cutoff = format_timestamp(cutoff_time);

// A new session last updated at `at`.
std::string session_updated_at(soci::session& sql, clock_type::time_point at) {
  auto s = make_session("", format_timestamp(at - 24h));
  s.updated_at = format_timestamp(at);
  session_repository{sql}.create(s);
  return s.session_id;
}

std::set<std::string> as_set(const std::vector<std::string>& ids) {
  return {ids.begin(), ids.end()};
}

cleanup_run_start run_at(const std::string& started_at, bool dry_run = false) {
  return {started_at, cutoff, dry_run, "test-host:1"};
}

cleanup_run_end ended(const std::string& finished_at, std::string_view outcome,
                      expired_counts deleted = {}) {
  return {finished_at, outcome, deleted, ""};
}

} // namespace

BOOST_AUTO_TEST_SUITE(cleanup_repository_tests)

// The documented boundary: updated_at < cutoff goes; exactly at the cutoff
// or later stays.
STORAGE_TEST_CASE(only_sessions_updated_before_the_cutoff_expire) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  const auto before = session_updated_at(sql, cutoff_time - 1s);
  const auto at = session_updated_at(sql, cutoff_time);
  const auto after = session_updated_at(sql, cutoff_time + 1s);
  cleanup_repository repo{sql};

  auto counts = repo.count_expired(cutoff);
  BOOST_TEST(counts.sessions == 1);
  BOOST_TEST(counts.sites == 0);

  auto batch = repo.delete_expired(cutoff, 100);
  BOOST_TEST(batch.session_ids == std::vector<std::string>{before});
  BOOST_TEST(repo.delete_expired(cutoff, 100).session_ids.empty());
  session_repository sessions{sql};
  BOOST_TEST(!sessions.find(before).has_value());
  BOOST_TEST(sessions.find(at).has_value());
  BOOST_TEST(sessions.find(after).has_value());
}

STORAGE_TEST_CASE(batches_go_oldest_first_and_take_everything_owned) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  std::vector<std::string> expired;
  std::vector<std::string> expired_sites;
  for (int i = 0; i < 5; ++i) {
    // Created newest first, so that insertion order is not the answer.
    expired.push_back(session_updated_at(sql, cutoff_time - (10h - 1h * i)));
    expired_sites.push_back(random_uuid());
    insert_site_tree(sql, expired.back(), expired_sites.back());
  }
  const auto kept = session_updated_at(sql, cutoff_time + 1h);
  const auto kept_site = random_uuid();
  insert_site_tree(sql, kept, kept_site);
  cleanup_repository repo{sql};

  auto counts = repo.count_expired(cutoff);
  BOOST_TEST(counts.sessions == 5);
  BOOST_TEST(counts.sites == 5);

  std::vector<std::string> deleted;
  std::vector<std::string> deleted_sites;
  std::vector<std::size_t> sizes;
  for (;;) {
    auto batch = repo.delete_expired(cutoff, 2);
    if (batch.session_ids.empty())
      break;
    sizes.push_back(batch.session_ids.size());
    BOOST_TEST(batch.site_ids.size() == batch.session_ids.size());
    deleted.insert(deleted.end(), batch.session_ids.begin(),
                   batch.session_ids.end());
    deleted_sites.insert(deleted_sites.end(), batch.site_ids.begin(),
                         batch.site_ids.end());
  }
  BOOST_TEST(sizes == (std::vector<std::size_t>{2, 2, 1}));
  // The oldest two went in the first batch.
  BOOST_TEST(as_set({deleted[0], deleted[1]})
             == as_set({expired[0], expired[1]}));
  BOOST_TEST(as_set(deleted) == as_set(expired));
  BOOST_TEST(as_set(deleted_sites) == as_set(expired_sites));
  for (std::size_t i = 0; i < expired.size(); ++i) {
    BOOST_TEST(count_where(sql, "sessions", "session_id", expired[i]) == 0);
    BOOST_TEST(count_where(sql, "user_preferences", "session_id", expired[i])
               == 0);
    BOOST_TEST(site_tree_rows(sql, expired_sites[i]) == 0);
  }
  BOOST_TEST(count_where(sql, "user_preferences", "session_id", kept) == 1);
  BOOST_TEST(site_tree_rows(sql, kept_site) == 4);
  BOOST_TEST(repo.count_expired(cutoff).sessions == 0);
}

// A run's batches go on from where the previous one ended (next_from):
// sessions updated at the same moment are not lost at a batch's edge, and
// one older than where the run is (written meanwhile with an old
// updated_at) waits for the next run.
STORAGE_TEST_CASE(a_run_resumes_where_its_last_batch_ended) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  std::set<std::string> expected;
  for (int i = 0; i < 5; ++i)
    expected.insert(session_updated_at(sql, cutoff_time - 2h));
  expected.insert(session_updated_at(sql, cutoff_time - 1h));
  const auto kept = session_updated_at(sql, cutoff_time);
  cleanup_repository repo{sql};

  auto batch = repo.delete_expired(cutoff, 2);
  BOOST_TEST(batch.session_ids.size() == 2u);
  BOOST_TEST(!batch.next_from.empty());
  const auto behind = session_updated_at(sql, cutoff_time - 10h);
  std::set<std::string> deleted;
  std::vector<std::size_t> sizes;
  for (;;) {
    sizes.push_back(batch.session_ids.size());
    deleted.insert(batch.session_ids.begin(), batch.session_ids.end());
    const auto from = batch.next_from;
    batch = repo.delete_expired(cutoff, 2, from);
    if (batch.session_ids.empty())
      break;
  }
  BOOST_TEST(sizes == (std::vector<std::size_t>{2, 2, 2}));
  BOOST_TEST(deleted == expected);
  BOOST_TEST(count_where(sql, "sessions", "session_id", kept) == 1);
  BOOST_TEST(count_where(sql, "sessions", "session_id", behind) == 1);
  BOOST_TEST(repo.delete_expired(cutoff, 2).session_ids
             == std::vector<std::string>{behind});
}

// A batch writes its change feed events before its DELETE: one that fails
// at the DELETE leaves every row as it was, events included.
STORAGE_TEST_CASE(a_batch_that_fails_changes_nothing) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  const auto expired = session_updated_at(sql, cutoff_time - 1h);
  const auto site = random_uuid();
  insert_site_tree(sql, expired, site);
  const auto events_before = count_where(sql, "events", "session_id", expired);
  // The sessions' DELETE, the batch's last statement, fails.
  if (backend_name == std::string{"postgresql"}) {
    sql << "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
           " $$ BEGIN RAISE EXCEPTION 'refused'; END $$";
    sql << "CREATE TRIGGER refuse BEFORE DELETE ON sessions"
           " FOR EACH ROW EXECUTE FUNCTION refuse()";
  } else {
    sql << "CREATE TRIGGER refuse BEFORE DELETE ON sessions"
           " BEGIN SELECT RAISE(ABORT, 'refused'); END";
  }
  cleanup_repository repo{sql};
  BOOST_CHECK_THROW(repo.delete_expired(cutoff, 10), std::exception);

  BOOST_TEST(count_where(sql, "sessions", "session_id", expired) == 1);
  BOOST_TEST(count_where(sql, "user_preferences", "session_id", expired) == 1);
  BOOST_TEST(site_tree_rows(sql, site) == 4);
  BOOST_TEST(count_where(sql, "events", "session_id", expired)
             == events_before);

  sql << "DROP TRIGGER refuse" + std::string{backend_name == std::string{
                                               "postgresql"}
                                               ? " ON sessions"
                                               : ""};
  BOOST_TEST(repo.delete_expired(cutoff, 10).site_ids
             == std::vector<std::string>{site});
  BOOST_TEST(site_tree_rows(sql, site) == 0);
  BOOST_TEST(count_where(sql, "user_preferences", "session_id", expired) == 0);
}

// A site with several versions, each audited and deployed, goes whole;
// a live session's site beside it keeps every row.
STORAGE_TEST_CASE(every_version_audit_and_deployment_of_an_expired_site_goes) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  const auto expired = session_updated_at(sql, cutoff_time - 1h);
  const auto kept = session_updated_at(sql, cutoff_time + 1h);
  const auto gone_site = random_uuid();
  const auto kept_site = random_uuid();
  insert_site_tree(sql, expired, gone_site);
  insert_site_tree(sql, kept, kept_site);
  const std::string t = "2026-11-24T02:00:00.000000Z";
  for (const auto& site : {gone_site, kept_site}) {
    for (long long v = 2; v <= 4; ++v) {
      const auto audit = random_uuid();
      const auto deployment = random_uuid();
      sql << "INSERT INTO site_versions (site_id, version, code, code_size,"
             " code_sha256, created_at) VALUES (:site, :v, '<p>', 3, 'x', :t)",
        soci::use(site, "site"), soci::use(v, "v"), soci::use(t, "t");
      sql << "INSERT INTO audits (audit_id, site_id, version, score,"
             " created_at) VALUES (:a, :site, :v, 50, :t)",
        soci::use(audit, "a"), soci::use(site, "site"), soci::use(v, "v"),
        soci::use(t, "t");
      sql << "INSERT INTO deployments (deployment_id, site_id, version,"
             " status, created_at) VALUES (:d, :site, :v, 'pending', :t)",
        soci::use(deployment, "d"), soci::use(site, "site"),
        soci::use(v, "v"), soci::use(t, "t");
    }
  }
  BOOST_TEST(site_tree_rows(sql, gone_site) == 13);

  cleanup_repository repo{sql};
  auto batch = repo.delete_expired(cutoff, 10);
  BOOST_TEST(batch.session_ids == std::vector<std::string>{expired});
  BOOST_TEST(batch.site_ids == std::vector<std::string>{gone_site});
  BOOST_TEST(site_tree_rows(sql, gone_site) == 0);
  BOOST_TEST(site_tree_rows(sql, kept_site) == 13);
  BOOST_TEST(count_where(sql, "user_preferences", "session_id", kept) == 1);
  BOOST_TEST(count_where(sql, "events", "session_id", expired) >= 1);
}

// PostgreSQL only: on SQLite every writer holds the whole database, so
// there is no "meanwhile".
BOOST_AUTO_TEST_CASE(a_session_written_meanwhile_is_passed_over_and_survives) {
  auto db = fresh_database("postgresql");
  const auto busy = session_updated_at(*db.sql, cutoff_time - 1h);
  const auto idle = session_updated_at(*db.sql, cutoff_time - 2h);
  auto writer = db.connect();
  soci::transaction tx{*writer};
  const auto now = now_timestamp();
  *writer << "UPDATE sessions SET updated_at = :now, revision = revision + 1"
             " WHERE session_id = :id",
    soci::use(now, "now"), soci::use(busy, "id");

  cleanup_repository repo{*db.sql};
  BOOST_TEST(repo.delete_expired(cutoff, 10).session_ids
             == std::vector<std::string>{idle});
  tx.commit();
  BOOST_TEST(repo.delete_expired(cutoff, 10).session_ids.empty());
  BOOST_TEST(count_where(*db.sql, "sessions", "session_id", busy) == 1);
}

STORAGE_TEST_CASE(runs_are_recorded_and_only_successful_deletions_count) {
  auto db = fresh_database(backend_name);
  cleanup_repository repo{*db.sql};
  BOOST_TEST(!repo.last_success().has_value());

  const auto t1 = "2026-11-23T02:00:00.000000Z";
  const auto t2 = "2026-11-24T02:00:00.000000Z";
  const auto t3 = "2026-11-25T02:00:00.000000Z";
  auto done = repo.start_run(run_at(t1));
  repo.finish_run(done, ended("2026-11-23T02:00:05.000000Z",
                              cleanup_outcome::done, {3, 2}));
  // Neither a dry run, nor a failure, nor one still running is a success.
  repo.finish_run(repo.start_run(run_at(t2, true)),
                  ended(t2, cleanup_outcome::done, {7, 1}));
  repo.finish_run(repo.start_run(run_at(t2)), ended(t2, cleanup_outcome::failed));
  repo.start_run(run_at(t3));

  BOOST_TEST(repo.last_success().value_or("") == "2026-11-23T02:00:05.000000Z");
  BOOST_TEST(repo.done_since(t1).value_or(0) == done);
  BOOST_TEST(!repo.done_since("2026-11-23T02:00:00.000001Z").has_value());

  long long sessions = 0;
  long long sites = 0;
  std::string outcome;
  std::string runner;
  const long long id = done;
  *db.sql << "SELECT outcome, deleted_sessions, deleted_sites, runner"
             " FROM cleanup_runs WHERE run_id = :id",
    soci::use(id, "id"), soci::into(outcome),
    soci::into(sessions), soci::into(sites), soci::into(runner);
  BOOST_TEST(outcome == "done");
  BOOST_TEST(sessions == 3);
  BOOST_TEST(sites == 2);
  BOOST_TEST(runner == "test-host:1");
}

STORAGE_TEST_CASE(one_cleanup_lock_per_database) {
  auto db = fresh_database(backend_name);
  auto other = db.connect();
  {
    cleanup_lock first{*db.sql, 300s};
    BOOST_TEST(first.held());
    BOOST_TEST(first.renew());
    cleanup_lock second{*other, 300s};
    BOOST_TEST(!second.held());
  }
  cleanup_lock third{*other, 300s};
  BOOST_TEST(third.held(), "released when its holder ended");
}

BOOST_AUTO_TEST_CASE(a_postgresql_lock_dies_with_its_connection) {
  auto db = fresh_database("postgresql");
  auto holder = db.connect();
  auto lock = std::make_unique<cleanup_lock>(*holder, 300s);
  BOOST_TEST_REQUIRE(lock->held());
  BOOST_TEST(!cleanup_lock(*db.sql, 300s).held());
  holder->close();  // a crash, as far as the server can tell
  // The server notices the closed connection a moment later.
  BOOST_TEST(memoryd::test::eventually(
    10s, [&] { return cleanup_lock(*db.sql, 300s).held(); }));
}

BOOST_AUTO_TEST_CASE(a_sqlite_lease_that_ran_out_is_taken_over) {
  auto db = fresh_database("sqlite");
  auto other = db.connect();
  cleanup_lock stale{*db.sql, 0s};  // its lease ends as it begins
  BOOST_TEST_REQUIRE(stale.held());
  cleanup_lock next{*other, 300s};
  BOOST_TEST(next.held());
  BOOST_TEST(!stale.renew(), "the old holder learns it lost the lock");
  BOOST_TEST(next.renew());
}

BOOST_AUTO_TEST_SUITE_END()
