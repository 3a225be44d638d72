#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/transaction.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

namespace {

constexpr const char* insert_run_sql =
  "INSERT INTO cleanup_runs (started_at, cutoff, outcome, dry_run)"
  " VALUES ('2026-11-24T02:00:00.000000Z', '2026-08-26T02:00:00.000000Z',"
  " :outcome, FALSE)";

// Inserts a cleanup_runs row marked `outcome`.
void insert_run(soci::session& sql, const std::string& outcome) {
  sql << insert_run_sql, soci::use(outcome, "outcome");
}

long long runs(soci::session& sql, const std::string& outcome) {
  return count_where(sql, "cleanup_runs", "outcome", outcome);
}

} // namespace

BOOST_AUTO_TEST_SUITE(transaction)

STORAGE_TEST_CASE(commit_keeps_and_destruction_rolls_back) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  {
    write_transaction tx{sql};
    insert_run(sql, "kept");
    tx.commit();
  }
  {
    write_transaction tx{sql};
    insert_run(sql, "dropped");
  }
  try {
    write_transaction tx{sql};
    insert_run(sql, "thrown");
    throw std::runtime_error("work failed");
  } catch (const std::runtime_error&) {
    // expected
  }
  BOOST_TEST(runs(sql, "kept") == 1);
  BOOST_TEST(runs(sql, "dropped") == 0);
  BOOST_TEST(runs(sql, "thrown") == 0);
  // The session is usable again: no transaction was left open.
  write_transaction tx{sql};
  tx.commit();
}

// A transaction opened inside another on the same connection joins it: its
// commit leaves the decision to the outer one, whose rollback takes the
// inner work too; a read snapshot inside sees the outer one's writes and
// does not end it.
STORAGE_TEST_CASE(inner_transactions_join_the_outer_one) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  {
    write_transaction outer{sql};
    {
      write_transaction inner{sql};
      insert_run(sql, "inner");
      inner.commit();
    }
    {
      read_snapshot snapshot{sql};
      BOOST_TEST(runs(sql, "inner") == 1);
    }
    BOOST_TEST(in_transaction(sql));
    insert_run(sql, "outer");
    // no commit: both go
  }
  BOOST_TEST(!in_transaction(sql));
  auto other = db.connect();
  BOOST_TEST(runs(*other, "inner") == 0);
  BOOST_TEST(runs(*other, "outer") == 0);
  {
    write_transaction outer{sql};
    {
      write_transaction inner{sql};
      insert_run(sql, "inner");
      inner.commit();
    }
    BOOST_TEST(runs(*other, "inner") == 0);  // not committed yet
    outer.commit();
  }
  BOOST_TEST(runs(*other, "inner") == 1);
}

// A savepoint undoes one part of a transaction alone: a part rolled back
// (also after a statement of it failed, which on PostgreSQL aborts the
// whole transaction until then) leaves the parts before and after it, and
// the destructor of an unreleased one rolls back like roll_back().
STORAGE_TEST_CASE(savepoint_undoes_one_part_alone) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  {
    write_transaction tx{sql};
    insert_run(sql, "before");
    {
      savepoint part{sql};
      insert_run(sql, "released");
      part.release();
    }
    {
      savepoint part{sql};
      insert_run(sql, "undone");
      part.roll_back();
    }
    {
      savepoint part{sql};
      insert_run(sql, "failed part");
      BOOST_CHECK_THROW(sql << "INSERT INTO no_such_table VALUES (1)",
                        soci::soci_error);
      part.roll_back();
    }
    {
      savepoint part{sql};
      insert_run(sql, "abandoned");
    }
    insert_run(sql, "after");
    tx.commit();
  }
  auto other = db.connect();
  BOOST_TEST(runs(*other, "before") == 1);
  BOOST_TEST(runs(*other, "released") == 1);
  BOOST_TEST(runs(*other, "undone") == 0);
  BOOST_TEST(runs(*other, "failed part") == 0);
  BOOST_TEST(runs(*other, "abandoned") == 0);
  BOOST_TEST(runs(*other, "after") == 1);
}

// BEGIN IMMEDIATE: a SQLite write transaction holds the write lock from the
// start. With a plain (deferred) BEGIN, a transaction that reads and then
// writes fails with SQLITE_BUSY when another connection committed in
// between, without waiting: its snapshot is stale. Here the other writer
// waits instead, and both succeed.
BOOST_AUTO_TEST_CASE(sqlite_read_then_write_is_not_overtaken) {
  auto db = fresh_database("sqlite");
  auto other = db.connect();
  std::promise<void> has_read;
  auto first = std::async(std::launch::async, [&] {
    write_transaction tx{*db.sql};
    runs(*db.sql, "first"); // read ...
    has_read.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds{300});
    insert_run(*db.sql, "first"); // ... then write
    tx.commit();
  });
  has_read.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  insert_run(*other, "second");
  const auto waited = std::chrono::steady_clock::now() - start;
  BOOST_CHECK_NO_THROW(first.get());
  BOOST_TEST(waited >= std::chrono::milliseconds{200});
  BOOST_TEST(runs(*other, "first") == 1);
  BOOST_TEST(runs(*other, "second") == 1);
}

// The writers of one process queue for SQLite's write lock among
// themselves: none of them meets SQLITE_BUSY, even with SQLite's own busy
// handler off (busy_timeout 0), where without the queue most would.
BOOST_AUTO_TEST_CASE(sqlite_writers_of_one_process_queue_for_the_lock) {
  auto db = fresh_database("sqlite");
  constexpr int writers = 8;
  constexpr int each = 25;
  std::vector<std::future<int>> done;
  for (int w = 0; w < writers; ++w)
    done.push_back(std::async(std::launch::async, [&db, w] {
      auto sql = db.connect();
      *sql << "PRAGMA busy_timeout = 0";
      for (int i = 0; i < each; ++i) {
        write_transaction tx{*sql};
        insert_run(*sql, "w" + std::to_string(w));
        runs(*sql, "w" + std::to_string(w));  // holds the lock a moment
        tx.commit();
      }
      return each;
    }));
  int written = 0;
  for (auto& d : done)
    BOOST_CHECK_NO_THROW(written += d.get());
  BOOST_TEST(written == writers * each);
  long long rows = 0;
  *db.sql << "SELECT count(*) FROM cleanup_runs", soci::into(rows);
  BOOST_TEST(rows == writers * each);
}

BOOST_AUTO_TEST_SUITE_END()
