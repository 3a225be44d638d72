#pragma once

// Every figure the daemon keeps about itself, in one object that the daemon
// creates at start and hands down: actor probes (one per actor instance),
// HTTP figures, cache, database and cleanup figures. The stats actor calls
// sample() once a second; the window it keeps gives /admin/stats its rates
// and recent quantiles. /metrics reads the cumulative figures only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "telemetry/actor_probe.hpp"
#include "telemetry/http_metrics.hpp"

namespace memoryd::telemetry {

struct cache_figures {
  std::atomic<const char*> kind{"in-process"};  // or "redis"
  std::atomic<bool> up{true};
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};
  std::atomic<uint64_t> errors{0};  // Redis commands that failed
  std::atomic<uint64_t> puts{0};
  // The io threads' own Redis connections, which serve hits (redis_reads):
  // how many there are, how many are ready, and their failed attempts and
  // lost connections.
  std::atomic<int64_t> readers{0};
  std::atomic<int64_t> readers_ready{0};
  std::atomic<uint64_t> reader_failures{0};
};

struct database_figures {
  std::atomic<const char*> kind{"sqlite"};  // or "postgresql"
  std::atomic<bool> up{true};
  std::atomic<uint64_t> errors{0};  // statements that failed (not 4xx)
  std::atomic<int64_t> pool_size{0};
  std::atomic<uint64_t> refused{0};  // requests turned away: the pool full
};

/// New versions (actors/site_actor.hpp): a fold is one transaction for the
/// waiting versions of one or more sites, each site's part of it under a
/// savepoint. versions / folds is how much one commit (one WAL flush)
/// carries: near 1 means writers rarely wait for each other.
struct version_figures {
  std::atomic<uint64_t> folds{0};          // transactions that ended
  std::atomic<uint64_t> failed_folds{0};   // of those, failed as a whole
  std::atomic<uint64_t> parts{0};          // site parts that committed
  std::atomic<uint64_t> refused_parts{0};  // undone alone (site gone, ...)
  std::atomic<uint64_t> versions{0};       // versions those parts added
};

struct cleanup_figures {
  std::atomic<uint64_t> runs{0};          // runs that deleted (not dry, not
                                          // skipped)
  std::atomic<uint64_t> failed_runs{0};
  std::atomic<uint64_t> deleted_sessions{0};
  std::atomic<uint64_t> deleted_sites{0};
  std::atomic<uint64_t> deleted_keys{0};
  std::atomic<int64_t> last_run_unix_s{0};  // when the last run ended
  std::atomic<int64_t> last_duration_ms{0};
};

/// One actor's figures at one sample.
struct probe_sample {
  uint64_t handled = 0;
  uint64_t errors = 0;
  histogram_counts handler;
  histogram_counts wait;
  int64_t handler_max_ns = 0;  // in the second before this sample
  int64_t wait_max_ns = 0;
  int64_t mailbox_peak = 0;
};

/// One route's figures at one sample.
struct route_sample {
  uint64_t requests = 0;
  uint64_t server_errors = 0;  // 5xx
  histogram_counts latency;
  int64_t max_ns = 0;          // in the second before this sample
};

struct sample {
  int64_t at_ns = 0;
  std::vector<probe_sample> actors;  // in registry order
  std::vector<route_sample> routes;  // in label order
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
};

/// The recent past: the sample at its start and the maxima since then.
struct window {
  bool empty = true;
  sample start;
  int64_t seconds_ns = 0;                // how far back start is
  std::vector<int64_t> handler_max_ns;   // per actor, in the window
  std::vector<int64_t> wait_max_ns;
  std::vector<int64_t> mailbox_peak;
  std::vector<int64_t> route_max_ns;     // per route
};

class registry {
public:
  /// How far back the window reaches.
  static constexpr int window_seconds = 10;

  registry(std::vector<route_label> routes, std::string version,
           std::chrono::milliseconds stall_after);

  /// A new actor instance's probe (kept for the daemon's life).
  std::shared_ptr<actor_probe> add_actor(std::string name, std::string type,
                                         actor_kind kind);

  /// The probes in the order they were added.
  std::vector<std::shared_ptr<actor_probe>> actors() const;

  http_metrics& http() noexcept { return http_; }
  const http_metrics& http() const noexcept { return http_; }
  cache_figures& cache() noexcept { return cache_; }
  const cache_figures& cache() const noexcept { return cache_; }
  database_figures& database() noexcept { return database_; }
  const database_figures& database() const noexcept { return database_; }
  cleanup_figures& cleanup() noexcept { return cleanup_; }
  const cleanup_figures& cleanup() const noexcept { return cleanup_; }
  version_figures& versions() noexcept { return versions_; }
  const version_figures& versions() const noexcept { return versions_; }

  const std::string& version() const noexcept { return version_; }
  int64_t started_ns() const noexcept { return started_ns_; }
  int64_t started_unix_s() const noexcept { return started_unix_s_; }
  int64_t stall_after_ns() const noexcept { return stall_after_ns_; }

  /// Takes a sample for the window (the stats actor, once a second).
  void sample_now(int64_t now_ns);

  /// A copy of the window as it is now.
  window recent() const;

private:
  const std::string version_;
  const int64_t started_ns_;
  const int64_t started_unix_s_;
  const int64_t stall_after_ns_;
  http_metrics http_;
  cache_figures cache_;
  database_figures database_;
  cleanup_figures cleanup_;
  version_figures versions_;

  mutable std::mutex mutex_;  // probes_ and samples_: never on a hot path
  std::vector<std::shared_ptr<actor_probe>> probes_;
  std::deque<sample> samples_;
};

} // namespace memoryd::telemetry
