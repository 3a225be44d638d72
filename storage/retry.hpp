#pragma once

// Bounded retries of transient database failures (lost connection,
// serialization failure, deadlock, SQLite busy). Validation and domain
// errors (storage::not_found, ...) are never retried.

#include <chrono>
#include <exception>
#include <functional>

namespace soci {
class session;
}

namespace memoryd::storage {

struct retry_policy {
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{10};
  std::chrono::milliseconds max_backoff{500};
  /// Whether a lost connection is reopened and the work run again. Off for
  /// work that relies on the connection's own state, such as a lock that
  /// dies with it.
  bool reconnect = true;
};

/// True when `e` (thrown by SOCI on `sql`) is worth another attempt.
bool is_transient(soci::session& sql, const std::exception& e);

/// Runs `work` until it succeeds, it throws a non-transient error, or the
/// attempts are used up (then the last error propagates). Sleeps between
/// attempts with exponential backoff and jitter, and reconnects when the
/// connection was lost. Blocking: call only from a storage worker thread.
void with_retry(soci::session& sql, const retry_policy& policy,
                const std::function<void()>& work);

} // namespace memoryd::storage
