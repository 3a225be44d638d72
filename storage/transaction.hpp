#pragma once

// A write transaction that is correct on both backends: SQLite needs
// BEGIN IMMEDIATE so that two writers queue on the busy timeout instead of
// failing with SQLITE_BUSY when a reader upgrades; PostgreSQL uses BEGIN.
// Rolls back in the destructor unless committed.

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

} // namespace memoryd::storage
