#pragma once

// A fixed set of workers behind one typed handle, each message going to the
// next worker in turn (caf::actor_pool is untyped; this restores the type).

#include <cstddef>

#include <caf/actor_cast.hpp>
#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_execution_unit.hpp>

namespace memoryd {

/// `spawn_worker()` returns a typed handle of one new worker.
template <class Handle, class SpawnWorker>
Handle make_round_robin_pool(caf::actor_system& sys, std::size_t size,
                             SpawnWorker spawn_worker) {
  caf::scoped_execution_unit ctx{&sys};
  auto pool = caf::actor_pool::make(
    &ctx, size, [&] { return caf::actor_cast<caf::actor>(spawn_worker()); },
    caf::actor_pool::round_robin());
  return caf::actor_cast<Handle>(pool);
}

} // namespace memoryd
