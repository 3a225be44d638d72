#pragma once

// Small SOCI helpers the repositories share.

#include <string>

#include <soci/soci.h>

namespace memoryd::storage {

/// Runs a statement whose elements are already exchanged once, the way
/// `sql << ...` does: on PostgreSQL an unnamed statement, without the
/// PREPARE and DEALLOCATE round trips of a named one.
inline void run_once(soci::statement& st, const std::string& query) {
  st.alloc();
  st.prepare(query, soci::details::st_one_time_query);
  st.define_and_bind();
  st.execute(true);
}

/// A NULL when `present` is false. SOCI wants the indicator as an lvalue.
struct nullable {
  soci::indicator flag;
  explicit nullable(bool present) : flag(present ? soci::i_ok : soci::i_null) {
    // nop
  }
};

} // namespace memoryd::storage
