#include "storage/code_blobs.hpp"

// store(): a plan's blobs made to exist inside the write transaction and
// held until its commit (see code_blobs.hpp for why that keeps them from
// the collector).

#include <stdexcept>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/code_blobs_detail.hpp"
#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/prepared_statement.hpp"
#include "storage/zstd_codec.hpp"

namespace memoryd::storage::code_blobs {

namespace {

// Followed by the dialect's key-share lock inside a write. A delta's base
// must be a keyframe or a keyframe's delta (the same text may exist as a
// delta of a delta in another chain), so that no read needs more than three.
constexpr const char* blob_exists_sql =
  "SELECT 1 FROM code_blobs WHERE sha256 = :sha256";
constexpr const char* is_a_base_sql = R"sql(
(b.base_sha256 IS NULL OR EXISTS (SELECT 1 FROM code_blobs k
 WHERE k.sha256 = b.base_sha256 AND k.base_sha256 IS NULL)))sql";
constexpr const char* base_exists_sql = R"sql(
SELECT 1 FROM code_blobs b WHERE b.sha256 = :sha256 AND %is_a_base%)sql";

// PostgreSQL, in one round trip, what look_then_insert() does in three
// statements, taking the same locks in the same order: the blob, locked
// if it is there; else its base, locked if it is one; then the blob,
// inserted unless another transaction inserted it meanwhile. Each step
// reads the one before it, which orders them.
constexpr const char* postgresql_look_then_insert_sql = R"sql(
WITH found AS (
  SELECT 1 FROM code_blobs WHERE sha256 = :sha256 FOR KEY SHARE),
base AS (
  SELECT 1 FROM code_blobs b WHERE b.sha256 = :base_sha256
  AND %is_a_base%
  AND NOT EXISTS (SELECT 1 FROM found)
  FOR KEY SHARE OF b),
inserted AS (
  INSERT INTO code_blobs (sha256, base_sha256, size, data)
  SELECT CAST(:sha256 AS text), CAST(:base_sha256 AS text),
         CAST(:size AS bigint), decode(CAST(:data AS text), 'hex')
  FROM base
  ON CONFLICT (sha256) DO NOTHING
  RETURNING 1)
SELECT (SELECT count(*) FROM found), (SELECT count(*) FROM base),
       (SELECT count(*) FROM inserted))sql";

/// `sql` with its %is_a_base% replaced by the check that blob `b` may be a
/// delta's base.
std::string with_base_check(std::string sql) {
  sql.replace(sql.find("%is_a_base%"), 11, is_a_base_sql);
  return sql;
}

} // namespace

bool detail::blob_exists(soci::session& sql, const std::string& sha256,
                         bool locked, bool as_base) {
  // Built once: blob or base, unlocked or locked, per backend.
  static const auto statements = [] {
    std::vector<prepared_sql> all;
    for (auto b : {backend::postgresql, backend::sqlite})
      for (bool base : {false, true})
        for (bool lock : {false, true})
          all.emplace_back(
            std::string{base ? "memoryd_base_exists" : "memoryd_blob_exists"}
              + (lock ? "_locked" : ""),
            (base ? with_base_check(base_exists_sql)
                  : std::string{blob_exists_sql})
              + std::string{lock ? dialect::key_share_lock_sql(b) : ""});
    return all;
  }();
  const auto index = (backend_of(sql) == backend::postgresql ? 0 : 4)
                     + (as_base ? 2 : 0) + (locked ? 1 : 0);
  return run_prepared(sql, statements[index],
                      statement_params{}.text("sha256", sha256));
}

namespace {

// Inserts `e`'s blob unless it exists: whether it inserted.
bool insert_blob(soci::session& sql, const std::string& sha,
                 encoded_code& e) {
  if (e.frame.empty())
    e.frame = zstd_codec::compress(e.ref.code);
  return dialect::insert_code_blob(sql, sha, e.base_sha256,
                                   static_cast<int64_t>(e.ref.code.size()),
                                   e.frame);
}

/// How one attempt to make a blob exist ended.
enum class attempt { stored, base_missing, raced };

// The blob locked if it is there; else its base (a delta's) locked, and
// the blob inserted. `raced`: another transaction inserted or deleted it
// meanwhile.
attempt look_then_insert(soci::session& sql, const std::string& sha,
                         encoded_code& e) {
  if (!e.frame.empty() && !e.base_sha256.empty()
      && backend_of(sql) == backend::postgresql) {
    static const prepared_sql statement{
      "memoryd_look_then_insert_blob",
      with_base_check(postgresql_look_then_insert_sql)};
    long long counts[3] = {0, 0, 0};  // found, base, inserted
    run_prepared(sql, statement,
                 statement_params{}
                   .text("sha256", sha)
                   .text("base_sha256", e.base_sha256)
                   .integer("size", static_cast<long long>(e.ref.code.size()))
                   .text("data", dialect::bytea_hex(e.frame)),
                 counts);
    if (counts[0] > 0 || counts[2] > 0)
      return attempt::stored;
    return counts[1] > 0 ? attempt::raced : attempt::base_missing;
  }
  if (detail::blob_exists(sql, sha, true))
    return attempt::stored;
  if (!e.base_sha256.empty()
      && !detail::blob_exists(sql, e.base_sha256, true, true))
    return attempt::base_missing;
  return insert_blob(sql, sha, e) ? attempt::stored : attempt::raced;
}

} // namespace

void store(soci::session& sql, std::vector<encoded_code>& plan) {
  for (auto& e : plan) {
    if (e.plain || e.held)
      continue;
    const std::string sha{e.ref.sha256};
    // A few rounds at most: each one ends unless another transaction
    // inserted or deleted this very blob meanwhile.
    for (int round = 0;; ++round) {
      // A new keyframe is inserted first: inserted, it needs no check.
      const auto result
        = round == 0 && !e.reuse && e.base_sha256.empty()
            ? (insert_blob(sql, sha, e) ? attempt::stored : attempt::raced)
            : look_then_insert(sql, sha, e);
      if (result == attempt::stored)
        break;
      if (round == 3)
        throw std::runtime_error("blob " + sha + " kept appearing and "
                                 "disappearing while being stored");
      if (result == attempt::base_missing) {
        // The base went (or is too deep in another chain): a keyframe
        // then, in the next round.
        e.base_sha256.clear();
        e.frame.clear();
        // A chain this worker remembers may end in that base (its write
        // rolled back): forget them all, the next writes read theirs.
        detail::forget_known_chains();
      }
    }
  }
}

} // namespace memoryd::storage::code_blobs
