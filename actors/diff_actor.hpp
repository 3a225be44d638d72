#pragma once

// The diff workers (see interfaces.hpp, diff_actor): a small pool of
// detached actors, because a diff of two large versions takes up to about a
// second of CPU that must not hold a scheduler thread (or the front or site
// actor that asked). The pool is bounded: past `queue_limit` diffs waiting
// per worker, a request is answered 503 at once instead of queueing up
// versions in memory.

#include <cstddef>
#include <cstdint>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "actors/status.hpp"
#include "diff/line_diff.hpp"

namespace memoryd {

struct diff_options {
  diff::limits limits;
  std::size_t workers = 2;
  int64_t queue_limit = 4;  // per worker, in hand or waiting
};

struct diff_state {
  diff_state() = default;  // see caf-0.17-guide B3
  diff_options options;
  probe_ptr probe;
  uint64_t diffs = 0;        // computed
  uint64_t not_modified = 0; // answered by the ETag alone
  uint64_t refused = 0;      // past a limit
  static inline const char* name = "memoryd.diff";
};

diff_actor::behavior_type
diff_worker(diff_actor::stateful_pointer<diff_state> self, probe_ptr probe,
            diff_options options);

/// `options.workers` diff workers, registered in `figures`.
pool_ptr<diff_actor> make_diff_pool(caf::actor_system& sys,
                                    telemetry::registry& figures,
                                    const diff_options& options);

} // namespace memoryd
