#pragma once

// The site actor: sites, versions, audits and deployments. Reads of a site's
// view go to the cache first and fill it on a miss; a write fences the
// cached view at the site's new revision before answering (see
// site_actor.cpp), so no reader sees a view older than its own last write.
// New versions wait in a queue per site here. A fold takes what waits of
// the sites not already in one, up to its limits, into one transaction:
// one commit (one WAL flush) serves many writers of many sites, while each
// still gets its own gapless number. The numbers themselves come from the
// database (a row lock and UNIQUE(site_id, version)), so several processes
// stay correct. Each site's part runs under a savepoint: a part refused
// (its site deleted meanwhile) is undone alone. The versions of one site in
// a fold share one key when they are of one tenant with keys the daemon
// made; a client's Idempotency-Key gets a transaction of its own, so that
// its repeat replays exactly its own answer.

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/typed_response_promise.hpp>

#include "actors/domain_wiring.hpp"
#include "actors/interfaces.hpp"
#include "actors/status.hpp"
#include "telemetry/registry.hpp"

namespace memoryd {

/// A new version waiting for its transaction.
struct queued_version {
  caf::typed_response_promise<rendered> promise;
  storage::new_version version;
  storage::write_key key;
  trace cause;  // the request it came with
};

/// The versions of one site: those in the running transaction are answered
/// when it commits; those waiting go into the next one.
struct version_queue {
  bool writing = false;
  std::vector<queued_version> waiting;
};

struct site_state {
  site_state() = default;  // see caf-0.17-guide B3
  pool_ptr<storage_actor> store;
  pool_ptr<cache_actor> cache;
  std::chrono::seconds ttl{3600};  // SITE_CACHE_TTL_SECONDS
  std::unordered_map<std::string, version_queue> queues;
  // Sites with versions waiting and none in a running fold, in the order
  // they became so: the next fold takes them from the front.
  std::deque<std::string> ready;
  std::size_t folds_running = 0;
  probe_ptr probe;
  std::shared_ptr<telemetry::registry> figures;  // versions()
  static inline const char* name = "memoryd.site";
};

/// The most versions folded into one transaction, and the most sites: each
/// site's part runs under a savepoint, a subtransaction that PostgreSQL
/// tracks in shared memory only up to 64 per transaction.
inline constexpr std::size_t max_version_batch = 64;
inline constexpr std::size_t max_fold_sites = 32;

/// Folds of one site actor in the database at once: while one commits, the
/// versions that arrive meanwhile gather for the next.
inline constexpr std::size_t max_folds_running = 2;

site_actor::behavior_type site_manager(site_actor::stateful_pointer<site_state> self,
                                       probe_ptr probe, domain_wiring wiring,
                                       std::shared_ptr<telemetry::registry> figures,
                                       std::chrono::seconds ttl);

} // namespace memoryd
