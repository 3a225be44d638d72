#pragma once

// The scheduler: runs the retention cleanup every day at CLEANUP_AT (UTC),
// once at start when the last successful run is more than a day old, and
// when asked (POST /admin/cleanup). The database work happens in a cleanup
// worker it spawns (detached, linked); the scheduler itself never blocks.
// It drops the cache entries of every batch the worker deletes, and answers
// a run once they are all gone. One run at a time per process.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <caf/typed_response_promise.hpp>

#include "actors/cleanup_schedule.hpp"
#include "actors/cleanup_worker.hpp"
#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "actors/status.hpp"

namespace memoryd {

struct scheduler_config {
  int retention_days = 90;  // SESSION_CLEANUP_DAYS
  int hour = 2;             // CLEANUP_AT, UTC
  int minute = 0;
  /// The longest the scheduler sleeps before it reads the wall clock again.
  std::chrono::seconds longest_sleep{60};
  wall_clock clock;         // unset: std::chrono::system_clock
};

/// One run while it is under way; shared by its continuations.
struct cleanup_in_progress {
  std::string trigger;  // "request", "schedule" or "catch-up"
  std::chrono::steady_clock::time_point began;
  /// The requester's answer (trigger "request" only).
  caf::typed_response_promise<cleanup_report> answer;
  /// Batches whose cache entries are being dropped.
  std::size_t invalidating = 0;
  /// Set once the worker answered: its report, or the error.
  bool worker_done = false;
  cleanup_report report;
  caf::error error;
};

/// A scheduled or catch-up run that came due while another run was under
/// way (a dry run, say): it starts when that one has ended.
struct deferred_run {
  std::string trigger;
  wall_time requested_at;
};

struct scheduler_state {
  scheduler_state();  // user-declared: see caf-0.17-guide B3
  ~scheduler_state();
  scheduler_config config;
  cleanup_worker_actor worker;
  pool_ptr<cache_actor> cache;
  /// Shared with the worker, which stops between batches once it is set.
  std::shared_ptr<std::atomic<bool>> stopping;
  std::shared_ptr<cleanup_in_progress> running;  // null when idle
  std::optional<deferred_run> deferred;
  wall_time next_run;
  probe_ptr probe;
  std::shared_ptr<telemetry::registry> figures;  // cleanup runs go there
  static inline const char* name = "memoryd.scheduler";
};

scheduler_actor::behavior_type
scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
          probe_ptr probe, std::shared_ptr<telemetry::registry> figures,
          scheduler_config config, cleanup_worker_config worker,
          pool_ptr<cache_actor> cache);

} // namespace memoryd
