#pragma once

// Wiring of the actor topology from the settings: storage pool, cache,
// session, preference and site shards, front actors. The one place that knows
// which actor talks to which.

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "config/config.hpp"
#include "telemetry/registry.hpp"

namespace memoryd {

class actor_topology {
public:
  /// Spawns every actor, each registered in `figures`. `shards` front,
  /// session and preference actors run side by side (about one per
  /// scheduler thread), and SITE_SHARDS site actors. Throws
  /// std::invalid_argument for a bad DATABASE_URL or REDIS_URL.
  actor_topology(caf::actor_system& sys, const config::settings& settings,
                 std::size_t shards,
                 std::shared_ptr<telemetry::registry> figures);

  /// Hands one request to the front actor of its connection. Never blocks:
  /// a mailbox push. Callable from any thread.
  void dispatch(uint64_t connection_id, api_request request,
                responder_ptr responder) const;

  /// Answers the feed's waiting requests now and lets no more wait, so
  /// that in-flight requests can drain (the first step of a shutdown).
  void release_waiters();

  /// Asks every actor to quit (after in-flight requests drained).
  void stop();

  /// What the HTTP layer may answer without the actors: cache hits, of the
  /// in-process cache or of Redis (read on the io threads).
  std::shared_ptr<memoryd::direct_answers> direct() const {
    return direct_;
  }

  /// An actor whose answer shows the scheduler is alive (for the watchdog).
  status_client_actor probe() const { return sessions_.front().handle; }

private:
  pool_ptr<storage_actor> store_;
  pool_ptr<cache_actor> cache_;
  std::shared_ptr<memoryd::direct_answers> direct_;
  std::vector<probed<session_actor>> sessions_;
  std::vector<probed<preference_actor>> preferences_;
  std::vector<probed<site_actor>> sites_;
  pool_ptr<backup_actor> backup_;
  pool_ptr<diff_actor> diff_;
  std::vector<probed<front_actor>> fronts_;
  probed<scheduler_actor> scheduler_;
  probed<events_actor> events_;
  stats_actor stats_;
};

} // namespace memoryd
