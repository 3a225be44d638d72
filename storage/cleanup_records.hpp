#pragma once

// Records of the retention cleanup. Plain data, the conventions of
// records.hpp: timestamps as RFC 3339 UTC strings with microseconds.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memoryd::storage {

/// What one cleanup batch deleted: the sessions, and the sites that went
/// with them (whose cache entries must go too).
struct expired_batch {
  std::vector<std::string> session_ids;
  std::vector<std::string> site_ids;
  /// Where the run's next batch starts: the newest updated_at this one
  /// picked, in the database's own form (pass it back as is).
  std::string next_from;
};

/// Sessions and sites, deleted or (dry run) to be deleted.
struct expired_counts {
  int64_t sessions = 0;
  int64_t sites = 0;
};

/// The values of cleanup_runs.outcome.
namespace cleanup_outcome {
inline constexpr std::string_view running = "running";  // or died running
inline constexpr std::string_view done = "done";
inline constexpr std::string_view skipped = "skipped";  // another run covers it
inline constexpr std::string_view failed = "failed";
} // namespace cleanup_outcome

/// A row of cleanup_runs as it is started.
struct cleanup_run_start {
  std::string started_at;
  std::string cutoff;
  bool dry_run = false;
  std::string runner;  // host and pid of the process
};

/// How a run ended.
struct cleanup_run_end {
  std::string finished_at;
  std::string_view outcome = cleanup_outcome::done;
  expired_counts deleted;
  std::string message;  // empty: NULL
};

} // namespace memoryd::storage
