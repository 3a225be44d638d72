#pragma once

// The online conversion of migration 0006: a detached actor (SOCI blocks)
// with a connection of its own that converts the plain version rows written
// before it into code blobs, `batch_size` rows per transaction, resting
// `batch_pause` between batches, until none is left; then it stops. Reads
// understand both forms meanwhile (storage/code_blobs.hpp). A crash or a
// stop loses at most the batch in flight; the next start goes on, so does
// another daemon on the same database (a row is converted once).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "storage/code_conversion.hpp"
#include "storage/database.hpp"

namespace soci {
class session;
}

namespace memoryd {

struct compactor_config {
  storage::database_url url;
  std::size_t batch_size = 64;
  std::chrono::milliseconds batch_pause{20};
  /// After a database failure, the next try.
  std::chrono::seconds retry_after{30};
};

struct compactor_state {
  compactor_state();  // user-declared: see caf-0.17-guide B3
  ~compactor_state();
  compactor_config config;
  /// Opened on first use; dropped after a failure.
  std::unique_ptr<soci::session> sql;
  storage::conversion_cursor cursor;
  int64_t converted = 0;
  /// Set when the daemon stops: no batch after the current one.
  std::shared_ptr<const std::atomic<bool>> stopping;
  probe_ptr probe;
  static inline const char* name = "memoryd.compactor";
};

compactor_actor::behavior_type
compactor(compactor_actor::stateful_pointer<compactor_state> self,
          probe_ptr probe, compactor_config config,
          std::shared_ptr<const std::atomic<bool>> stopping);

} // namespace memoryd
