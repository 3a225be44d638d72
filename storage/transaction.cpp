#include "storage/transaction.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"

namespace memoryd::storage {

namespace {

// The connections with a transaction open in this thread. A connection is
// used by one thread at a time (a storage worker owns its own), and a
// transaction begins and ends in the same call, so a thread-local list is
// exact. It holds one or two entries.
thread_local std::vector<const soci::session*> open_transactions;

void opened(const soci::session& sql) {
  open_transactions.push_back(&sql);
}

void closed(const soci::session& sql) {
  auto it = std::find(open_transactions.begin(), open_transactions.end(), &sql);
  if (it != open_transactions.end())
    open_transactions.erase(it);
}

// SQLite has one writer at a time, and a writer that finds the file locked
// sleeps in SQLite's busy handler, up to 100 ms a try: under steady
// contention from the other storage workers some waited a second (PUT p99
// 1.01 s at 16 connections on one session). The connections of this
// process queue on a mutex per database file instead, which hands the lock
// on at once. SQLite's busy handler stays for other processes on the file,
// for a thread that already writes to it through another connection (it
// would wait for itself), and past the busy timeout.
class sqlite_writer_queue {
public:
  /// The mutex of `file`'s writers, taken; null when it must not be.
  static std::timed_mutex* enter(const std::string& file) {
    if (file.empty())
      return nullptr;  // in memory: one connection, nobody to queue with
    auto* writers = of(file);
    if (std::find(held().begin(), held().end(), writers) != held().end())
      return nullptr;
    if (!writers->try_lock_for(std::chrono::seconds{5}))
      return nullptr;  // the busy timeout decides
    held().push_back(writers);
    return writers;
  }

  static void leave(std::timed_mutex* writers) {
    if (writers == nullptr)
      return;
    held().erase(std::find(held().begin(), held().end(), writers));
    writers->unlock();
  }

private:
  static std::timed_mutex* of(const std::string& file) {
    static std::mutex mutex;
    // Never erased: one entry per database file the process opens.
    static std::map<std::string, std::unique_ptr<std::timed_mutex>> files;
    std::lock_guard lock{mutex};
    auto& writers = files[file];
    if (!writers)
      writers = std::make_unique<std::timed_mutex>();
    return writers.get();
  }

  static std::vector<std::timed_mutex*>& held() {
    thread_local std::vector<std::timed_mutex*> mine;
    return mine;
  }
};

} // namespace

bool in_transaction(const soci::session& sql) {
  return std::find(open_transactions.begin(), open_transactions.end(), &sql)
         != open_transactions.end();
}

write_transaction::write_transaction(soci::session& sql)
  : sql_(sql), joined_(in_transaction(sql)) {
  if (joined_)
    return;
  writers_ = sqlite_writer_queue::enter(dialect::sqlite_file(sql_));
  try {
    sql_ << dialect::begin_write_sql(backend_of(sql_));
  } catch (...) {
    sqlite_writer_queue::leave(writers_);
    throw;
  }
  opened(sql_);
}

write_transaction::~write_transaction() {
  if (joined_ || done_)
    return;
  closed(sql_);
  try {
    sql_.rollback();
  } catch (...) {
    // The connection may be gone, which ends the transaction anyway; the
    // error that brought us here is the one worth reporting.
  }
  sqlite_writer_queue::leave(writers_);
}

void write_transaction::commit() {
  if (joined_)
    return;
  sql_.commit();
  done_ = true;
  closed(sql_);
  sqlite_writer_queue::leave(writers_);
}

// One name: parts do not nest, and a released one is gone.
savepoint::savepoint(soci::session& sql) : sql_(sql) {
  sql_ << "SAVEPOINT memoryd_part";
}

savepoint::~savepoint() {
  if (done_)
    return;
  try {
    roll_back();
  } catch (...) {
    // The connection is gone with the transaction; the error that brought
    // us here is the one worth reporting.
  }
}

void savepoint::release() {
  sql_ << "RELEASE SAVEPOINT memoryd_part";
  done_ = true;
}

void savepoint::roll_back() {
  done_ = true;
  sql_ << "ROLLBACK TO SAVEPOINT memoryd_part";
  sql_ << "RELEASE SAVEPOINT memoryd_part";
}

read_snapshot::read_snapshot(soci::session& sql)
  : sql_(sql), joined_(in_transaction(sql)) {
  if (joined_)
    return;
  sql_ << dialect::begin_read_sql(backend_of(sql_));
  opened(sql_);
}

read_snapshot::~read_snapshot() {
  if (joined_)
    return;
  closed(sql_);
  try {
    sql_.rollback();
  } catch (...) {
    // A lost connection ends the transaction anyway.
  }
}

} // namespace memoryd::storage
