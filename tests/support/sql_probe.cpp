#include "tests/support/sql_probe.hpp"

#include <soci/soci.h>

namespace memoryd::test {

long long count_where(soci::session& sql, std::string_view table,
                      std::string_view column, const std::string& value) {
  long long n = -1;
  sql << "SELECT count(*) FROM " << table << " WHERE " << column
      << " = :value",
    soci::use(value, "value"), soci::into(n);
  return n;
}

} // namespace memoryd::test
