#pragma once

// The cache actor behind one interface: an in-process LRU (an event-based
// actor: it never blocks) when REDIS_URL is unset, otherwise a pool of
// detached workers each owning one hiredis connection.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "actors/probed.hpp"
#include "actors/status.hpp"
#include "cache/redis_cache.hpp"
#include "cache/shared_lru.hpp"

namespace memoryd {

struct cache_options {
  std::string redis_url;  // empty: in-process
  std::size_t redis_connections = 50;
  std::chrono::milliseconds redis_timeout{200};
  /// The in-process cache (REDIS_URL empty); its readers may read it
  /// directly (actors/cached_reads.hpp).
  std::shared_ptr<cache::shared_lru> local;
  /// With Redis: the invalidations that could not reach it, shared with
  /// the readers on the io threads (actors/redis_reads.hpp).
  std::shared_ptr<cache::pending_invalidations> pending;
};

/// Bounds the memory of remembered failed invalidations; past it, the next
/// read wipes memoryd's keys from Redis instead.
inline constexpr std::size_t max_pending_invalidations = 100000;

/// The Redis settings of a REDIS_URL and timeout. Throws
/// std::invalid_argument for a bad REDIS_URL.
cache::redis_options redis_settings(const std::string& url,
                                    std::chrono::milliseconds timeout);

struct lru_cache_state {
  lru_cache_state() = default;  // see caf-0.17-guide B3
  std::shared_ptr<cache::shared_lru> lru;
  probe_ptr probe;
  std::shared_ptr<telemetry::registry> figures;
  static inline const char* name = "memoryd.cache";
};

cache_actor::behavior_type
lru_cache_actor(cache_actor::stateful_pointer<lru_cache_state> self,
                probe_ptr probe, std::shared_ptr<telemetry::registry> figures,
                std::shared_ptr<cache::shared_lru> lru);

struct redis_cache_state {
  redis_cache_state() = default;
  std::unique_ptr<cache::redis_cache> redis;
  probe_ptr probe;
  std::shared_ptr<telemetry::registry> figures;
  static inline const char* name = "memoryd.cache.redis";
};

cache_actor::behavior_type
redis_cache_worker(cache_actor::stateful_pointer<redis_cache_state> self,
                   probe_ptr probe, std::shared_ptr<telemetry::registry> figures,
                   cache::redis_options options,
                   std::shared_ptr<cache::pending_invalidations> pending);

/// The cache the options ask for, its actors registered in `figures`:
/// Redis (`options.pending` required then), or else the in-process
/// `options.local` (required then).
/// Throws std::invalid_argument for a bad REDIS_URL.
pool_ptr<cache_actor> make_cache(caf::actor_system& sys,
                                 std::shared_ptr<telemetry::registry> figures,
                                 const cache_options& options);

/// Cache keys: memoryd:v2:<kind>:<id> (v2: the values carry their owner,
/// see owned_body.hpp; v1 values did not).
std::string session_cache_key(const std::string& session_id);
std::string site_cache_key(const std::string& site_id);

/// Matches every key memoryd writes.
inline constexpr const char* cache_key_pattern = "memoryd:v2:*";

} // namespace memoryd
