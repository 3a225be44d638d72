#pragma once

// The backup workers: export and import of whole sessions (see
// interfaces.hpp, backup_actor). A small pool of detached actors, because
// rendering, compressing and checking a document of hundreds of MB takes
// seconds of CPU that must not hold a scheduler thread; the pool's size
// also bounds how many such documents are in memory at once.

#include <chrono>
#include <cstddef>

#include <caf/fwd.hpp>

#include "actors/backup_body.hpp"
#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "actors/status.hpp"

namespace memoryd {

struct backup_options {
  import_limits limits;
  /// How long a read of a whole session from storage may take.
  std::chrono::milliseconds storage_timeout{30000};
};

struct backup_state {
  backup_state() = default;  // see caf-0.17-guide B3
  pool_ptr<storage_actor> store;
  backup_options options;
  probe_ptr probe;
  uint64_t exported = 0;   // sessions
  uint64_t imported = 0;
  static inline const char* name = "memoryd.backup";
};

backup_actor::behavior_type
backup_worker(backup_actor::stateful_pointer<backup_state> self,
              probe_ptr probe, pool_ptr<storage_actor> store,
              backup_options options);

/// `workers` backup workers, registered in `figures`.
pool_ptr<backup_actor> make_backup_pool(caf::actor_system& sys,
                                        telemetry::registry& figures,
                                        pool_ptr<storage_actor> store,
                                        const backup_options& options,
                                        std::size_t workers);

} // namespace memoryd
