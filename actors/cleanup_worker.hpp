#pragma once

// The retention cleanup's database side: a detached actor (SOCI blocks)
// with a connection of its own. A run takes the fleet lock on that
// connection, records itself in cleanup_runs, deletes expired sessions in
// batches of `batch_size` (each its own transaction) until none is left,
// tells its listener of each batch as it commits, and records the outcome.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "actors/cleanup_schedule.hpp"
#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "actors/status.hpp"
#include "storage/database.hpp"

namespace soci {
class session;
}

namespace memoryd {

struct cleanup_worker_config {
  storage::database_url url;
  std::size_t batch_size = 500;
  /// Rest between batches (CLEANUP_BATCH_PAUSE_MS): a longer run, more of
  /// the database's time left to requests.
  std::chrono::milliseconds batch_pause{0};
  /// And after it, this percentage of the time the batch took
  /// (CLEANUP_BATCH_REST_PERCENT): a share of the database's time rather
  /// than a fixed rate, so a run backs off when the database is slow.
  std::size_t rest_percent = 0;
  /// SQLite: how long the lock outlives a runner that died (renewed every
  /// batch).
  std::chrono::seconds lease{300};
  /// Write keys older than this go too (IDEMPOTENCY_KEY_HOURS).
  std::chrono::hours key_ttl{24};
  /// Change feed events older than this go too (EVENT_RETENTION_HOURS).
  std::chrono::hours event_ttl{168};
  /// Recorded in cleanup_runs.runner; empty: this host and pid.
  std::string runner;
  wall_clock clock;
};

struct cleanup_worker_state {
  cleanup_worker_state();  // user-declared: see caf-0.17-guide B3
  ~cleanup_worker_state();
  cleanup_worker_config config;
  /// Opened on first use; dropped after a failure.
  std::unique_ptr<soci::session> sql;
  cleanup_listener_actor listener;
  /// Set when the daemon stops: a run ends after its current batch.
  std::shared_ptr<const std::atomic<bool>> stopping;
  probe_ptr probe;
  static inline const char* name = "memoryd.cleanup";
};

cleanup_worker_actor::behavior_type
cleanup_worker(cleanup_worker_actor::stateful_pointer<cleanup_worker_state> self,
               probe_ptr probe, cleanup_worker_config config, cleanup_listener_actor listener,
               std::shared_ptr<const std::atomic<bool>> stopping);

} // namespace memoryd
