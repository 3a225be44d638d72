#pragma once

// The keys that make writes safe to repeat (table idempotency_keys). Each
// write of a storage worker carries one: the client's Idempotency-Key, or
// one the daemon made. Its row is written inside the write's own
// transaction, with the committed result, so it exists exactly when the
// write does: a repeat (the client's retry, or the storage retry after an
// ambiguous COMMIT) finds the first result instead of writing again.
// Blocking; used only by storage workers and tests.

#include <cstddef>
#include <optional>
#include <string>

namespace soci {
class session;
}

namespace memoryd::storage {

/// A write's key and what identifies its request.
struct write_key {
  std::string tenant;
  bool from_client = false;  // made_by 'client', else 'daemon'
  std::string key;
  std::string operation;       // e.g. "session_create"
  std::string request_sha256;  // of operation, path parameters and body
  /// Who writes (X-Agent-Id or the token's agent; "": nobody named):
  /// recorded with the rows and in the change feed, not part of the key.
  std::string agent;
};

/// What a committed write left for its repeats.
struct stored_write {
  std::string operation;
  std::string request_sha256;
  std::string result;  // encoded by the caller; empty while not committed
};

class idempotency_repository {
public:
  explicit idempotency_repository(soci::session& sql);

  /// Inside the caller's write transaction: takes the key for this write
  /// (nullopt: go on, write, then complete()) or returns what a committed
  /// write under the same key left. On PostgreSQL a claim that another
  /// transaction holds makes this wait until that one ends; SQLite's
  /// BEGIN IMMEDIATE has serialized the writers already.
  std::optional<stored_write> claim(const write_key& k,
                                    const std::string& now);

  /// Stores the result of the write that claimed `k`, before its commit.
  void complete(const write_key& k, const std::string& result);

  /// claim() and complete() in one statement, for a key nobody can have
  /// taken before (one the daemon just made). Throws conflict if one did.
  void record(const write_key& k, const std::string& result,
              const std::string& now);

  /// What a committed write under the key left, if any.
  std::optional<stored_write> find(const write_key& k);

  /// Deletes up to `limit` keys created before `cutoff`, in one
  /// transaction; returns how many.
  std::size_t delete_older_than(const std::string& cutoff, std::size_t limit);

private:
  soci::session& sql_;
};

} // namespace memoryd::storage
