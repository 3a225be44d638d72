#include "storage/code_conversion.hpp"

#include <soci/soci.h>

#include "storage/code_blobs.hpp"
#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/transaction.hpp"

namespace memoryd::storage {

namespace {

// From site_versions_plain_idx, in key order.
constexpr const char* plain_rows_sql = R"sql(
SELECT site_id, version, code, code_sha256 FROM site_versions
WHERE code <> '' AND (site_id, version) > (:site_id, :version)
ORDER BY site_id, version LIMIT :batch)sql";

// Empties a row's code once its blob exists; a row converted meanwhile (by
// another daemon) or deleted is left alone.
constexpr const char* empty_code_sql = R"sql(
UPDATE site_versions SET code = ''
WHERE site_id = :site_id AND version = :version AND code <> '')sql";

constexpr const char* count_plain_sql =
  "SELECT count(*) FROM site_versions WHERE code <> ''";

struct plain_rows {
  std::vector<std::string> site_ids;
  std::vector<long long> versions;
  std::vector<std::string> codes;
  std::vector<std::string> shas;
};

plain_rows read_plain(soci::session& sql, const conversion_cursor& after,
                      std::size_t batch) {
  plain_rows rows;
  // SOCI mishandles bulk fetches into vectors of size 1 (site_fetch.hpp).
  const auto n = std::max<std::size_t>(batch, 2);
  rows.site_ids.resize(n);
  rows.versions.resize(n);
  rows.codes.resize(n);
  rows.shas.resize(n);
  const long long version = after.version;
  const long long limit = static_cast<long long>(batch);
  sql << plain_rows_sql, soci::use(after.site_id, "site_id"),
    soci::use(version, "version"), soci::use(limit, "batch"),
    soci::into(rows.site_ids), soci::into(rows.versions),
    soci::into(rows.codes), soci::into(rows.shas);
  return rows;
}

} // namespace

conversion_batch convert_plain_versions(soci::session& sql,
                                        conversion_cursor& after,
                                        std::size_t batch) {
  conversion_batch out;
  auto rows = read_plain(sql, after, batch);
  out.read = rows.site_ids.size();
  if (out.read == 0)
    return out;
  // Each site's rows continue the chain of the version before the first.
  std::vector<code_blobs::encoded_code> plan;
  for (std::size_t begin = 0; begin < out.read;) {
    auto end = begin;
    std::vector<code_blobs::code_ref> refs;
    while (end < out.read && rows.site_ids[end] == rows.site_ids[begin]) {
      refs.push_back({rows.codes[end], rows.shas[end]});
      ++end;
    }
    auto part = code_blobs::encode(sql, rows.site_ids[begin],
                                   rows.versions[begin] - 1, refs);
    for (auto& e : part)
      plan.push_back(std::move(e));
    begin = end;
  }

  write_transaction tx{sql};
  // Lost in a crash, a batch is only done again.
  if (auto async = dialect::async_commit_sql(backend_of(sql)); !async.empty())
    sql << std::string{async};
  code_blobs::store(sql, plan);
  for (std::size_t i = 0; i < out.read; ++i) {
    if (plan[i].plain) {
      ++out.left_plain;
      continue;
    }
    sql << empty_code_sql, soci::use(rows.site_ids[i], "site_id"),
      soci::use(rows.versions[i], "version");
    ++out.converted;
  }
  tx.commit();
  after.site_id = rows.site_ids.back();
  after.version = rows.versions.back();
  return out;
}

int64_t count_plain_versions(soci::session& sql) {
  long long n = 0;
  sql << count_plain_sql, soci::into(n);
  return n;
}

} // namespace memoryd::storage
