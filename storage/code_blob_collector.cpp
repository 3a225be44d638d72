#include "storage/code_blobs.hpp"

// The collector of code_blobs (see code_blobs.hpp): blobs no version row
// refers to and no delta needs as its base go, a batch per transaction.

#include <algorithm>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/transaction.hpp"

namespace memoryd::storage::code_blobs {

namespace {

// The collector's range, then its candidates in it (locked on PostgreSQL),
// then those of them that are still garbage as of a newer snapshot.
constexpr const char* garbage_range_sql = R"sql(
SELECT sha256 FROM code_blobs WHERE sha256 > :after
ORDER BY sha256 LIMIT :batch)sql";
constexpr const char* unreferenced_sql = R"sql(
 NOT EXISTS (SELECT 1 FROM site_versions v
             WHERE v.code_sha256 = c.sha256)
 AND NOT EXISTS (SELECT 1 FROM code_blobs d
                 WHERE d.base_sha256 = c.sha256))sql";
constexpr const char* garbage_candidates_sql = R"sql(
SELECT c.sha256 FROM code_blobs c
WHERE c.sha256 > :after AND c.sha256 <= :last AND)sql";
constexpr const char* delete_garbage_sql =
  "DELETE FROM code_blobs WHERE sha256 IN (SELECT sha256 FROM code_blobs c"
  " WHERE";
constexpr const char* in_sha_list_postgresql =
  " AND c.sha256 = ANY(CAST(:shas AS text[])))";
constexpr const char* in_sha_list_sqlite =
  " AND c.sha256 IN (SELECT value FROM json_each(:shas)))";

} // namespace

std::size_t collect_garbage(soci::session& sql, std::string& after,
                            std::size_t batch) {
  const auto b = backend_of(sql);
  write_transaction tx{sql};
  std::vector<std::string> range(std::max<std::size_t>(batch, 2));
  const long long limit = static_cast<long long>(batch);
  sql << garbage_range_sql, soci::use(after, "after"),
    soci::use(limit, "batch"), soci::into(range);
  if (range.empty()) {
    after.clear();
    return 0;
  }
  const std::string last = range.back();
  std::vector<std::string> candidates(std::max<std::size_t>(range.size(), 2));
  sql << std::string{garbage_candidates_sql} + unreferenced_sql
           + std::string{dialect::skip_locked_sql(b)},
    soci::use(after, "after"), soci::use(last, "last"),
    soci::into(candidates);
  std::size_t deleted = 0;
  if (!candidates.empty()) {
    const auto shas = dialect::id_list(b, candidates);
    soci::statement st =
      (sql.prepare << std::string{delete_garbage_sql} + unreferenced_sql
                        + (b == backend::sqlite ? in_sha_list_sqlite
                                                : in_sha_list_postgresql),
       soci::use(shas, "shas"));
    st.execute(true);
    deleted = static_cast<std::size_t>(st.get_affected_rows());
  }
  tx.commit();
  after = last;
  return deleted;
}

} // namespace memoryd::storage::code_blobs
