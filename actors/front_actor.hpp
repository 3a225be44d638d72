#pragma once

// The front actor: receives routed HTTP requests from net/, decodes them into
// domain messages, asks the domain actors (with the request deadline), and
// answers through the responder, mapping errors to the contract's envelope.
// A fixed set of them runs; each connection is pinned to one.

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "actors/status.hpp"

namespace memoryd {

struct front_options {
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_json_depth = 64;
};

/// The actors a front actor talks to.
struct front_wiring {
  std::vector<probed<session_actor>> sessions;  // sharded by session id
  std::vector<probed<preference_actor>> preferences;  // by session id
  std::vector<probed<site_actor>> sites;        // sharded by site id
  pool_ptr<backup_actor> backup;                // export and import
  pool_ptr<storage_actor> store;                // for /readyz
  pool_ptr<cache_actor> cache;                  // for /readyz
  front_options options;
  probed<scheduler_actor> scheduler;            // for /admin/cleanup
  probed<events_actor> events;                  // /api/events; told of
                                                // every write answered
  std::shared_ptr<const telemetry::registry> figures;  // /admin/stats,
                                                       // /metrics
  pool_ptr<diff_actor> diff;                    // version diffs
};

struct front_state {
  front_state() = default;  // see caf-0.17-guide B3
  front_wiring wiring;
  std::size_t next_shard = 0;  // for requests that carry no id
  probe_ptr probe;
  static inline const char* name = "memoryd.front";
};

using front_pointer = front_actor::stateful_pointer<front_state>;

front_actor::behavior_type front(front_pointer self, probe_ptr probe,
                                 front_wiring wiring);

/// One request in flight: answered exactly once through `respond`, which
/// also writes the access log line.
struct exchange {
  api_request request;
  responder_ptr responder;
  std::chrono::steady_clock::time_point started;

  void respond(api_response response) const;
  void fail(const caf::error& err) const;
};

// Not const: a handler may move a large body out of its request.
using exchange_ptr = std::shared_ptr<exchange>;

} // namespace memoryd
