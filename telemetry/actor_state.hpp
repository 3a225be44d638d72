#pragma once

// Whether an actor is idle, busy or stalled, and who waits on it: the one
// judgement both /admin/stats and /metrics make from a probe's reading.

#include <cstdint>
#include <string_view>

#include "telemetry/actor_probe.hpp"

namespace memoryd::telemetry {

enum class actor_state : uint8_t { idle, busy, stalled };

std::string_view to_string(actor_state state);

struct actor_judgement {
  actor_state state = actor_state::idle;
  int64_t busy_ns = 0;           // in the current handler
  int64_t waiting_requests = 0;  // queued plus the one being handled
  int64_t oldest_wait_ns = 0;    // since the oldest of them was sent
};

/// Stalled: a handler running longer than `stall_after_ns`, or requests
/// queued while the actor has neither taken nor finished one for that long
/// (an event-based actor starved of scheduler threads).
actor_judgement judge(const probe_reading& r, int64_t now_ns,
                      int64_t stall_after_ns);

} // namespace memoryd::telemetry
