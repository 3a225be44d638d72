#pragma once

// What every domain actor (session, preference, site, backup) talks to: the
// storage pool and the cache.

#include "actors/interfaces.hpp"
#include "actors/probed.hpp"

namespace memoryd {

struct domain_wiring {
  pool_ptr<storage_actor> store;
  pool_ptr<cache_actor> cache;  // one in-process actor, or Redis workers
};

} // namespace memoryd
