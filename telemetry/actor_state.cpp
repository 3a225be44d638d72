#include "telemetry/actor_state.hpp"

#include <algorithm>

namespace memoryd::telemetry {

std::string_view to_string(actor_state state) {
  switch (state) {
    case actor_state::idle: return "idle";
    case actor_state::busy: return "busy";
    case actor_state::stalled: return "stalled";
  }
  return "idle";
}

actor_judgement judge(const probe_reading& r, int64_t now_ns,
                      int64_t stall_after_ns) {
  actor_judgement out;
  const bool busy = r.current.since_ns != 0;
  out.waiting_requests = r.mailbox + (busy ? 1 : 0);
  if (busy) {
    out.busy_ns = now_ns - r.current.since_ns;
    // Requests are taken in order: the one in hand was sent first.
    auto sent = r.current.sent_ns > 0 ? r.current.sent_ns : r.current.since_ns;
    out.oldest_wait_ns = now_ns - sent;
  } else if (r.mailbox > 0 && r.oldest_queued_ns > 0) {
    out.oldest_wait_ns = now_ns - r.oldest_queued_ns;
  }
  if (busy && out.busy_ns > stall_after_ns)
    out.state = actor_state::stalled;
  else if (!busy && r.mailbox > 0
           && now_ns - std::max(r.last_active_ns, r.oldest_queued_ns)
                > stall_after_ns)
    out.state = actor_state::stalled;
  else if (busy || r.mailbox > 0)
    out.state = actor_state::busy;
  out.oldest_wait_ns = std::max<int64_t>(out.oldest_wait_ns, 0);
  return out;
}

} // namespace memoryd::telemetry
