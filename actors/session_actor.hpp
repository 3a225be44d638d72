#pragma once

// The session actor: reads go to the cache first and to storage on a miss
// (filling the cache); writes go to storage and, once committed, refresh or
// invalidate the cache before the answer is sent, so a client always reads
// its own last write. Several of them run side by side, a session id always
// going to the same one.

#include <chrono>

#include "actors/domain_wiring.hpp"
#include "actors/interfaces.hpp"
#include "actors/status.hpp"

namespace memoryd {

struct session_state {
  session_state() = default;  // see caf-0.17-guide B3
  pool_ptr<storage_actor> store;
  pool_ptr<cache_actor> cache;
  std::chrono::seconds ttl{86400};  // SESSION_TTL_HOURS
  probe_ptr probe;
  static inline const char* name = "memoryd.session";
};

session_actor::behavior_type
session_manager(session_actor::stateful_pointer<session_state> self,
                probe_ptr probe, domain_wiring wiring,
                std::chrono::seconds ttl);

} // namespace memoryd
