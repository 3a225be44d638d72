#pragma once

// When the retention cleanup runs, and how it paces itself: pure
// functions of the clocks, so that they are tested without waiting for a
// night.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

namespace memoryd {

using wall_time = std::chrono::system_clock::time_point;

/// The wall clock the scheduler reads. Injectable: tests move it, and
/// under faketime it is the faked one.
using wall_clock = std::function<wall_time()>;

/// The first `hour`:`minute` UTC strictly after `now`.
wall_time next_daily(wall_time now, int hour, int minute);

/// Whether a daemon starting at `now` must run a catch-up cleanup: the last
/// successful one finished more than a day ago (systemd's Persistent=true).
/// Never when none is recorded: a new database has nothing to delete, and
/// on a database that predates the cleanup the first run is the next
/// scheduled one, not a surprise at an upgrade's start.
bool needs_catch_up(std::optional<wall_time> last_success, wall_time now);

/// How long the scheduler sleeps before it looks at the wall clock again:
/// until `next`, but never longer than `longest`, so that a wall clock that
/// jumps (NTP, a suspended VM) is noticed within that time. CAF's timers run
/// on the steady clock.
std::chrono::nanoseconds sleep_before(wall_time now, wall_time next,
                                      std::chrono::nanoseconds longest);

/// How long the cleanup rests after a batch that took `took`: `pause`
/// (CLEANUP_BATCH_PAUSE_MS) plus `percent` of `took`
/// (CLEANUP_BATCH_REST_PERCENT), so that a batch slowed by a busy
/// database leaves it a longer rest.
std::chrono::nanoseconds rest_after_batch(std::chrono::milliseconds pause,
                                          std::size_t percent,
                                          std::chrono::nanoseconds took);

} // namespace memoryd
