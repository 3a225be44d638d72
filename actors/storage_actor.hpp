#pragma once

// Storage workers: detached actors (SOCI blocks), each owning one database
// connection, in a pool that sends each request to the least loaded one.

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "actors/status.hpp"
#include "storage/database.hpp"
#include "storage/retry.hpp"

namespace soci {
class session;
}

namespace memoryd {

/// Version metadata rows in a site's view; the rest is paginated at
/// /api/sessions/sites/{id}/versions.
inline constexpr std::size_t site_view_versions = 100;

/// How many owners of sessions and sites a worker remembers (about 100
/// bytes each) before it starts over.
inline constexpr std::size_t max_remembered_owners = 100000;

struct storage_worker_state {
  storage_worker_state();  // user-declared: see caf-0.17-guide B3
  ~storage_worker_state();
  /// The connection, opened on first use and dropped after a failure that
  /// retries could not mend (reopened by the next request).
  std::unique_ptr<soci::session> sql;
  storage::database_url url;
  storage::retry_policy retry;
  /// The tenant of each session and site seen (they never change owner).
  std::unordered_map<std::string, std::string> owners;
  probe_ptr probe;
  std::shared_ptr<telemetry::registry> figures;
  static inline const char* name = "memoryd.storage";
};

storage_actor::behavior_type
storage_worker(storage_actor::stateful_pointer<storage_worker_state> self,
               probe_ptr probe, std::shared_ptr<telemetry::registry> figures,
               storage::database_url url);

/// `size` detached workers, registered in `figures`; a request that finds
/// `queue_limit` pending at every worker (0: no limit) is answered
/// errc::unavailable at once.
pool_ptr<storage_actor>
make_storage_pool(caf::actor_system& sys,
                  std::shared_ptr<telemetry::registry> figures,
                  const storage::database_url& url, std::size_t size,
                  std::size_t queue_limit);

} // namespace memoryd
