#pragma once

// Transactions that are correct on both backends. A write transaction:
// SQLite needs BEGIN IMMEDIATE so that two writers queue on the busy timeout
// instead of failing with SQLITE_BUSY when a reader upgrades; PostgreSQL
// uses BEGIN. Rolls back in the destructor unless committed. On SQLite the
// write transactions of this process also queue on an in-process mutex per
// database file, so that the next writer goes as soon as one ends instead
// of when SQLite's busy handler next wakes it.
//
// Both kinds join a transaction already open on the same connection in this
// thread instead of opening one: then they neither begin, commit nor roll
// back, and the outer transaction decides. So a repository method that is
// one transaction on its own can also be one part of a larger one (a write
// together with its idempotency key), without a variant for each use.
// Hence a transaction must begin and end (commit or destruction) in the
// same thread: ended in another, it would stay "open" in the first, and a
// later connection at the same address would join a transaction that is
// not there (autocommit, unseen).

#include <mutex>

namespace soci {
class session;
}

namespace memoryd::storage {

class write_transaction {
public:
  explicit write_transaction(soci::session& sql);
  ~write_transaction();
  write_transaction(const write_transaction&) = delete;
  write_transaction& operator=(const write_transaction&) = delete;

  /// Commits, or does nothing when this transaction joined an outer one.
  void commit();

private:
  soci::session& sql_;
  bool joined_ = false;
  bool done_ = false;
  std::timed_mutex* writers_ = nullptr;  // SQLite: this process's queue
};

/// Several SELECTs as of one moment (dialect::begin_read_sql), so that
/// what they return belongs together. Nothing to commit: ends by rollback.
/// Inside an open write transaction it reads that transaction's view.
class read_snapshot {
public:
  explicit read_snapshot(soci::session& sql);
  ~read_snapshot();
  read_snapshot(const read_snapshot&) = delete;
  read_snapshot& operator=(const read_snapshot&) = delete;

private:
  soci::session& sql_;
  bool joined_ = false;
};

/// A part of the open write transaction that can be undone alone (SQL
/// SAVEPOINT, on both backends): one refused part of a larger write (a site
/// of a folded version write) without failing the rest. Rolled back to in
/// the destructor unless released.
class savepoint {
public:
  explicit savepoint(soci::session& sql);
  ~savepoint();
  savepoint(const savepoint&) = delete;
  savepoint& operator=(const savepoint&) = delete;

  /// Keeps what the part wrote, in the transaction.
  void release();

  /// Undoes what the part wrote; the transaction goes on (PostgreSQL's
  /// too, after an error inside the part).
  void roll_back();

private:
  soci::session& sql_;
  bool done_ = false;
};

/// Whether this thread has a transaction open on `sql`.
bool in_transaction(const soci::session& sql);

} // namespace memoryd::storage
