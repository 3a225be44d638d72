#pragma once

// The retention cleanup's SQL over one soci::session: expired sessions
// deleted in bounded batches (each its own short transaction, so serving
// never waits long), counted for a dry run, and each run recorded in
// cleanup_runs. Blocking; used by the cleanup worker and tests.
//
// The boundary: a session is expired when updated_at < cutoff. One updated
// exactly at the cutoff stays.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "storage/cleanup_records.hpp"

namespace soci {
class session;
}

namespace memoryd::storage {

class cleanup_repository {
public:
  explicit cleanup_repository(soci::session& sql);

  /// Deletes up to `limit` expired sessions, oldest first, in one
  /// transaction, and by cascade everything they own. On PostgreSQL a
  /// session that another transaction holds (being updated, or a site being
  /// added below it) is passed over, and the DELETE checks the cutoff again,
  /// so a session updated while a run is under way survives. Returns what
  /// was deleted; no sessions when none is left. `from`, the previous
  /// batch's next_from (empty for a run's first), skips the sessions
  /// updated before it: the index entries of those the run deleted stay
  /// until a vacuum, and each batch would step over all of them again.
  /// So a session passed over stays until the next run.
  expired_batch delete_expired(const std::string& cutoff, std::size_t limit,
                               const std::string& from = {});

  /// What delete_expired would delete now in all (a dry run).
  expired_counts count_expired(const std::string& cutoff);

  /// Records a run as `running`; returns its run_id.
  int64_t start_run(const cleanup_run_start& run);

  /// Records how run `run_id` ended.
  void finish_run(int64_t run_id, const cleanup_run_end& end);

  /// Records a run that ended as it began (skipped), in one transaction;
  /// returns its run_id.
  int64_t record_run(const cleanup_run_start& run, const cleanup_run_end& end);

  /// finished_at of the newest run that deleted successfully (not a dry
  /// run); nullopt when none ever did.
  std::optional<std::string> last_success();

  /// A successful (not dry) run that started at or after `t`: it deleted
  /// all that a run asked for at `t` would, its cutoff being later.
  std::optional<int64_t> done_since(const std::string& t);

private:
  soci::session& sql_;
};

} // namespace memoryd::storage
