#include "storage/transaction.hpp"

#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"

namespace memoryd::storage {

write_transaction::write_transaction(soci::session& sql) : sql_(sql) {
  sql_ << dialect::begin_write_sql(backend_of(sql_));
}

write_transaction::~write_transaction() {
  if (done_)
    return;
  try {
    sql_.rollback();
  } catch (...) {
    // The connection may be gone, which ends the transaction anyway; the
    // error that brought us here is the one worth reporting.
  }
}

void write_transaction::commit() {
  sql_.commit();
  done_ = true;
}

read_snapshot::read_snapshot(soci::session& sql) : sql_(sql) {
  sql_ << dialect::begin_read_sql(backend_of(sql_));
}

read_snapshot::~read_snapshot() {
  try {
    sql_.rollback();
  } catch (...) {
    // A lost connection ends the transaction anyway.
  }
}

} // namespace memoryd::storage
