#pragma once

// The events actor: the change feed's long poll (GET /api/events?wait=).
// A request with events to read is answered at once. One without is parked
// here, not in a storage worker: the actor asks storage for the newest
// visible event after every local write and every `poll_interval` (for the
// writes of other daemons), re-reads the pages of the parked requests only
// when it moved, and answers each one when its page has events or its wait
// is up. SIGTERM (`stop`) answers every parked request at once.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>

#include "actors/domain_wiring.hpp"
#include "actors/interfaces.hpp"
#include "actors/status.hpp"

namespace memoryd {

struct events_config {
  /// Parked requests at most; one more is answered errc::unavailable.
  std::size_t max_waiting = 256;
  /// How often parked requests look for the writes of other daemons.
  std::chrono::milliseconds poll_interval{200};
};

struct events_state {
  events_state() = default;  // see caf-0.17-guide B3

  /// A request waiting for events.
  struct parked {
    caf::typed_response_promise<storage::event_page> rp;
    event_query query;
    trace cause;
    storage::event_page last;  // its last (empty) page: the answer at expiry
    storage::event_position checked;  // newest visible event when last read
    bool reading = false;             // a re-read is in flight
  };

  pool_ptr<storage_actor> store;
  events_config config;
  std::map<uint64_t, parked> waiting;
  uint64_t next_number = 0;
  storage::event_position latest;  // the newest visible event seen
  bool checking = false;  // a latest-event query is in flight
  bool recheck = false;   // a wake came while it was
  bool timer_armed = false;
  bool stopping = false;
  probe_ptr probe;
  static inline const char* name = "memoryd.events";
};

events_actor::behavior_type
events_manager(events_actor::stateful_pointer<events_state> self,
               probe_ptr probe, pool_ptr<storage_actor> store,
               events_config config);

} // namespace memoryd
