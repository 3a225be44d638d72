#pragma once

// The preference actor: applies a JSON merge patch to a session's
// preferences. Read, merge, then a conditional write on the revision it
// read; another writer in between (another process, or a PUT of the
// session) makes the write fail with a precondition, and the merge is redone
// on fresh data. Patches of one session wait in a queue here, one at a time,
// so that they do not race each other within this process. A patch sent
// with If-Match is never redone: a revision other than the client's is 412.

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/json/value.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/domain_wiring.hpp"
#include "actors/interfaces.hpp"
#include "actors/status.hpp"

namespace memoryd {

/// A patch waiting for its turn.
struct queued_merge {
  caf::typed_response_promise<rendered> promise;
  std::shared_ptr<const boost::json::value> patch;
  int64_t expected_revision = -1;  // If-Match; -1: any
  storage::write_key key;          // its tenant owns the session
  trace cause;                     // the request it came with
};

struct preference_state {
  preference_state() = default;  // see caf-0.17-guide B3
  /// Per session id: the patch in progress first, then those waiting.
  std::unordered_map<std::string, std::deque<queued_merge>> queues;
  pool_ptr<storage_actor> store;
  pool_ptr<cache_actor> cache;
  std::chrono::seconds ttl{86400};  // of the session's cache entry
  probe_ptr probe;
  uint64_t retries = 0;  // merges redone after a concurrent change
  static inline const char* name = "memoryd.preference";
};

/// How often a merge is redone before the request fails with 503.
inline constexpr int max_merge_attempts = 16;

preference_actor::behavior_type
preference_manager(preference_actor::stateful_pointer<preference_state> self,
                   probe_ptr probe, domain_wiring wiring,
                   std::chrono::seconds ttl);

} // namespace memoryd
