#pragma once

// How a storage worker runs the work of a request on its connection:
// retries, every failure turned into the API's error (no exception escapes
// a handler), write keys that make a write idempotent, and the tenant
// checks before it. Shared by the worker's handlers (storage_actor.cpp)
// and the version fold (version_fold_writer.cpp).

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/probed.hpp"
#include "actors/result_codec.hpp"
#include "actors/site_payloads.hpp"
#include "actors/storage_actor.hpp"
#include "storage/dialect.hpp"
#include "storage/errors.hpp"
#include "storage/idempotency_repository.hpp"
#include "storage/ownership.hpp"
#include "storage/retry.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"

namespace memoryd::storage_work {

using worker_ptr = storage_actor::stateful_pointer<storage_worker_state>;

template <class Work>
using work_result = decltype(std::declval<Work&>()(std::declval<soci::session&>()));

/// Why a write was refused, as its API error.
struct refusal {
  errc code;
  std::string message;
};

/// The refusal a repository's domain exception stands for; none for a
/// failure of the database itself (or a bug), which fails the transaction.
std::optional<refusal> refusal_of(const std::exception& e);

/// Runs `work(sql)` with retries and turns every failure into a caf::error,
/// so that no exception escapes a handler.
template <class Work>
caf::expected<work_result<Work>> attempt(worker_ptr self, Work work) {
  using result_type = work_result<Work>;
  auto& st = self->state;
  auto& database = st.figures->database();
  auto failed = [&](errc code, std::string message) {
    st.probe->failed();
    return make_error(code, std::move(message));
  };
  try {
    if (!st.sql)
      st.sql = storage::open_database(st.url);
    std::optional<result_type> out;
    storage::with_retry(*st.sql, st.retry, [&] { out = work(*st.sql); });
    database.up.store(true, std::memory_order_relaxed);
    return std::move(*out);
  } catch (const std::exception& e) {
    if (auto refused = refusal_of(e))
      return failed(refused->code, std::move(refused->message));
    // SOCI puts the bound values into its messages: a version's whole code.
    std::string_view what = e.what();
    if (st.sql && storage::dialect::classify(*st.sql, e)
                    == storage::dialect::failure::timed_out) {
      // The connection is fine (the transaction was rolled back): kept.
      spdlog::warn("storage: statement or lock timeout: {}{}",
                   what.substr(0, 400), what.size() > 400 ? "..." : "");
      return failed(errc::unavailable,
                    "the database did not answer in time (a lock held "
                    "elsewhere, or a slow statement): try again later");
    }
    spdlog::error("storage: {}{} (connection will be reopened)",
                  what.substr(0, 400), what.size() > 400 ? "..." : "");
    st.sql.reset();
    database.errors.fetch_add(1, std::memory_order_relaxed);
    database.up.store(false, std::memory_order_relaxed);
    return failed(errc::storage, "the database failed: try again later");
  }
}

/// attempt() as the result of the handler of `what`, measured in the
/// worker's probe.
template <class Work>
caf::result<work_result<Work>> run(worker_ptr self, const trace& t,
                                   const char* what, Work work) {
  auto measured = handle(self->state.probe, t, what);
  auto out = attempt(self, std::move(work));
  if (!out)
    return std::move(out.error());
  return std::move(*out);
}

/// The not_found messages of a missing (or another tenant's) session and
/// site.
std::string no_session(const std::string& id);
std::string no_site(const std::string& id);

/// Throws not_found unless `tenant` owns the session (or site) `id`: another
/// tenant's is answered exactly like an unknown one. Owners never change, so
/// each worker remembers those it has seen (bounded); a remembered owner
/// costs no query and no allocation.
template <class Lookup>
void require_owner(worker_ptr self, soci::session& sql, const std::string& tenant,
                   const std::string& id, Lookup lookup,
                   std::string (*missing)(const std::string&)) {
  auto& owners = self->state.owners;
  auto known = owners.find(id);
  if (known == owners.end()) {
    auto owner = lookup(sql, id);
    if (!owner)
      throw storage::not_found(missing(id));
    if (owners.size() >= max_remembered_owners)
      owners.clear();
    known = owners.emplace(id, std::move(*owner)).first;
  }
  if (known->second != tenant)
    throw storage::not_found(missing(id));
}

inline void require_session(worker_ptr self, soci::session& sql,
                            const std::string& tenant, const std::string& id) {
  require_owner(self, sql, tenant, id, storage::session_owner, no_session);
}

inline void require_site(worker_ptr self, soci::session& sql,
                         const std::string& tenant, const std::string& id) {
  require_owner(self, sql, tenant, id, storage::site_owner, no_site);
}

/// A repeat of a committed write: its result if it was the same request.
/// Replayed for a client's repeat; for the daemon's own key it is this
/// request's write, whose answer only was lost (so the cache is fenced as
/// after any write).
template <class T>
committed<T> replay(const storage::write_key& key,
                    const storage::stored_write& prior) {
  if (prior.operation != key.operation
      || prior.request_sha256 != key.request_sha256)
    throw storage::conflict("Idempotency-Key \"" + key.key
                            + "\" was used for another request");
  if (prior.result.empty())
    throw storage::conflict("the request with Idempotency-Key \"" + key.key
                            + "\" is still in progress");
  try {
    return {decode_result<T>(prior.result), key.from_client};
  } catch (const result_layout_mismatch&) {
    // Committed by a memoryd before an upgrade: its answer cannot be
    // rebuilt, but the client must learn that the write happened.
    throw storage::conflict("the request with Idempotency-Key \"" + key.key
                            + "\" was committed by an earlier version of "
                              "memoryd, whose answer cannot be replayed: "
                              "read the resource instead");
  }
}

/// Runs `work(sql)` as one transaction together with its write key (with
/// the retries of attempt()): a client's key is claimed first, so that a
/// concurrent repeat waits and then replays; a key the daemon made is
/// looked up only when the storage retry runs the write again, which is
/// when an ambiguous COMMIT may have gone through.
template <class Work>
caf::result<committed<work_result<Work>>>
write(worker_ptr self, const trace& t, const char* what,
      const storage::write_key& key, Work work) {
  using result_type = work_result<Work>;
  int attempt = 0;
  return run(self, t, what, [&](soci::session& sql) -> committed<result_type> {
    ++attempt;
    storage::write_transaction tx{sql};
    storage::idempotency_repository keys{sql};
    const auto now = storage::now_timestamp();
    if (key.from_client) {
      if (auto prior = keys.claim(key, now))
        return replay<result_type>(key, *prior);
    } else if (attempt > 1) {
      if (auto prior = keys.find(key))
        return replay<result_type>(key, *prior);
    }
    committed<result_type> out{work(sql), false};
    auto result = encode_result(out.value);
    if (key.from_client)
      keys.complete(key, result);
    else
      keys.record(key, result, now);
    tx.commit();
    return out;
  });
}

/// Compresses the code of the versions about to be added to each group's
/// site before their write transaction opens (storage/code_blobs.hpp), so
/// that no lock is held meanwhile (SQLite's BEGIN IMMEDIATE holds every
/// writer). Only a head start: on any failure the write compresses inside
/// instead.
void compress_ahead(worker_ptr self, const std::vector<version_group>& groups);

/// Appends the change feed's event of the write under `key`, in its
/// transaction. Without `session_id`, the event names `site_id`'s session.
void emit(soci::session& sql, const storage::write_key& key, const char* type,
          const std::string& session_id, const std::string& site_id = {},
          int64_t version = 0, const std::string& ref_id = {});

} // namespace memoryd::storage_work
