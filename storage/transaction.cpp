#include "storage/transaction.hpp"

#include <algorithm>
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

} // namespace

bool in_transaction(const soci::session& sql) {
  return std::find(open_transactions.begin(), open_transactions.end(), &sql)
         != open_transactions.end();
}

write_transaction::write_transaction(soci::session& sql)
  : sql_(sql), joined_(in_transaction(sql)) {
  if (joined_)
    return;
  sql_ << dialect::begin_write_sql(backend_of(sql_));
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
}

void write_transaction::commit() {
  if (joined_)
    return;
  sql_.commit();
  done_ = true;
  closed(sql_);
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
