#pragma once

// Transactions that are correct on both backends. A write transaction:
// SQLite needs BEGIN IMMEDIATE so that two writers queue on the busy timeout
// instead of failing with SQLITE_BUSY when a reader upgrades; PostgreSQL
// uses BEGIN. Rolls back in the destructor unless committed.

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

  void commit();

private:
  soci::session& sql_;
  bool done_ = false;
};

/// Several SELECTs as of one moment (dialect::begin_read_sql), so that
/// what they return belongs together. Nothing to commit: ends by rollback.
class read_snapshot {
public:
  explicit read_snapshot(soci::session& sql);
  ~read_snapshot();
  read_snapshot(const read_snapshot&) = delete;
  read_snapshot& operator=(const read_snapshot&) = delete;

private:
  soci::session& sql_;
};

} // namespace memoryd::storage
