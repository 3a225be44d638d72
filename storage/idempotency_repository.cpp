#include "storage/idempotency_repository.hpp"

#include <stdexcept>

#include <soci/soci.h>

#include "storage/dialect.hpp"
#include "storage/errors.hpp"
#include "storage/prepared_statement.hpp"
#include "storage/transaction.hpp"

namespace memoryd::storage {

namespace {

// An empty result marks a claim whose write has not committed; a committed
// row always has one (the caller's encoding is never empty).
constexpr const char* insert_key_sql = R"sql(
INSERT INTO idempotency_keys
    (tenant, made_by, idempotency_key, operation, request_sha256, result,
     created_at)
VALUES (:tenant, :made_by, :idempotency_key, :operation, :request_sha256,
        :result, :created_at)
ON CONFLICT (tenant, made_by, idempotency_key) DO NOTHING
RETURNING 1)sql";

constexpr const char* select_key_sql = R"sql(
SELECT operation, request_sha256, result FROM idempotency_keys
WHERE tenant = :tenant AND made_by = :made_by
  AND idempotency_key = :idempotency_key)sql";

constexpr const char* complete_key_sql = R"sql(
UPDATE idempotency_keys SET result = :result
WHERE tenant = :tenant AND made_by = :made_by
  AND idempotency_key = :idempotency_key)sql";

// Oldest first, served by idempotency_keys_created_idx.
constexpr const char* delete_old_keys_sql = R"sql(
DELETE FROM idempotency_keys WHERE (tenant, made_by, idempotency_key) IN (
  SELECT tenant, made_by, idempotency_key FROM idempotency_keys
  WHERE created_at < :cutoff ORDER BY created_at LIMIT :limit)
RETURNING 1)sql";

std::string made_by(const write_key& k) {
  return k.from_client ? "client" : "daemon";
}

bool insert(soci::session& sql, const write_key& k,
            const std::string& result, const std::string& now) {
  static const prepared_sql insert_key{"memoryd_insert_key", insert_key_sql};
  return run_prepared(
    sql, insert_key,
    statement_params{}
      .text("tenant", k.tenant)
      .text("made_by", made_by(k))
      .text("idempotency_key", k.key)
      .text("operation", k.operation)
      .text("request_sha256", k.request_sha256)
      .text("result", result)
      .text("created_at", dialect::timestamp_to_db(now, "created_at")));
}

} // namespace

idempotency_repository::idempotency_repository(soci::session& sql)
  : sql_(sql) {
  // nop
}

std::optional<stored_write>
idempotency_repository::claim(const write_key& k, const std::string& now) {
  if (!in_transaction(sql_))
    throw std::logic_error("an idempotency key is claimed inside its write's "
                           "transaction");
  if (insert(sql_, k, std::string{}, now))
    return std::nullopt;
  auto found = find(k);
  if (!found)  // the holder rolled back between our INSERT and SELECT
    throw conflict("Idempotency-Key " + k.key + " is in use: retry");
  return found;
}

void idempotency_repository::complete(const write_key& k,
                                      const std::string& result) {
  if (result.empty())
    throw std::invalid_argument("a write's recorded result is never empty");
  const auto by = made_by(k);
  sql_ << complete_key_sql, soci::use(result, "result"),
    soci::use(k.tenant, "tenant"), soci::use(by, "made_by"),
    soci::use(k.key, "idempotency_key");
}

void idempotency_repository::record(const write_key& k,
                                    const std::string& result,
                                    const std::string& now) {
  if (result.empty())
    throw std::invalid_argument("a write's recorded result is never empty");
  if (!insert(sql_, k, result, now))
    throw conflict("write key " + k.key + " exists already");
}

std::optional<stored_write>
idempotency_repository::find(const write_key& k) {
  const auto by = made_by(k);
  stored_write out;
  sql_ << select_key_sql, soci::use(k.tenant, "tenant"),
    soci::use(by, "made_by"), soci::use(k.key, "idempotency_key"),
    soci::into(out.operation), soci::into(out.request_sha256),
    soci::into(out.result);
  if (!sql_.got_data())
    return std::nullopt;
  return out;
}

std::size_t idempotency_repository::delete_older_than(const std::string& cutoff,
                                                      std::size_t limit) {
  if (limit < 1)
    throw std::invalid_argument("a key batch holds at least one key");
  const auto at = dialect::timestamp_to_db(cutoff, "cutoff");
  const auto n = static_cast<long long>(limit);
  write_transaction tx{sql_};
  soci::rowset<int> rows = (sql_.prepare << delete_old_keys_sql,
                            soci::use(at, "cutoff"), soci::use(n, "limit"));
  std::size_t deleted = 0;
  for (auto it = rows.begin(); it != rows.end(); ++it)
    ++deleted;
  tx.commit();
  return deleted;
}

} // namespace memoryd::storage
