#pragma once

// A Redis-backed cache that never serves what it failed to invalidate.
// A write (put or invalidate) that could not reach Redis leaves the old value
// there; it is remembered in a list shared by all workers of the process,
// and no read is answered from Redis until that list has been replayed
// (DEL of each key, or of the whole namespace when the list overflowed).
// So an outage, or a hung Redis that kept its data, costs misses, never a
// stale or deleted session.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/redis_client.hpp"

namespace memoryd::cache {

/// Keys whose Redis copy may be stale, shared by one process's workers.
/// Thread-safe.
class pending_invalidations {
public:
  /// Past `max_keys` the set collapses into "everything is suspect".
  explicit pending_invalidations(std::size_t max_keys);

  void add(const std::string& key);
  /// Whether `key` is pending; `generation` identifies that add().
  bool contains(const std::string& key, uint64_t& generation) const;
  /// Forgets `key` unless it was added again after `generation`.
  void erase(const std::string& key, uint64_t generation);

  /// A connection reached the Redis run `run_id`. Another run than the one
  /// seen before means a restart, whose data may come from an old snapshot
  /// (RDB, AOF): everything becomes suspect.
  void server_seen(const std::string& run_id);

  /// Whether everything is suspect; `generation` identifies this state so
  /// that a flush only clears it when nothing failed meanwhile.
  bool everything(uint64_t& generation) const;
  void flushed(uint64_t generation);

  std::size_t size() const;

  /// Whether nothing at all is pending (without the lock: the readers'
  /// fast path).
  bool none() const {
    return none_.load(std::memory_order_acquire);
  }

private:
  /// Keeps none_ true exactly while nothing is pending; under the mutex.
  void update_none() {
    none_.store(!everything_ && keys_.empty(), std::memory_order_release);
  }

  mutable std::mutex mutex_;
  std::size_t max_keys_;
  std::unordered_map<std::string, uint64_t> keys_;  // key -> generation
  std::string run_id_;  // of the Redis run last seen
  bool everything_ = false;
  uint64_t generation_ = 0;  // bumped by every add()
  std::atomic<bool> none_{true};
};

class redis_cache {
public:
  /// `namespace_pattern` (e.g. "memoryd:v1:*") is wiped when the pending
  /// list overflowed.
  redis_cache(redis_options options,
              std::shared_ptr<pending_invalidations> pending,
              std::string namespace_pattern);

  /// A miss also while the key (or everything) awaits an invalidation
  /// that cannot reach Redis yet.
  std::optional<entry> get(const std::string& key);

  /// put_if_newer; a put that failed is remembered as pending.
  bool put_if_newer(const std::string& key, int64_t revision,
                    std::string_view value, std::chrono::seconds ttl);

  /// put_if_newer of many in one round trip; when it fails (or is skipped
  /// in backoff), every key is remembered as pending.
  bool put_if_newer(const std::vector<put_request>& puts);

  /// Tombstone; an invalidation that failed is remembered as pending.
  bool invalidate(const std::string& key);

  /// Tombstones of many keys in one round trip; when it fails, every key is
  /// remembered as pending.
  bool invalidate(const std::vector<std::string>& keys);

  bool ping();

  const redis_client& client() const { return client_; }

private:
  /// Deletes `key` from Redis if its invalidation is pending; true when the
  /// key may be read.
  bool settle(const std::string& key);

  redis_client client_;
  std::shared_ptr<pending_invalidations> pending_;
  std::string namespace_pattern_;
};

} // namespace memoryd::cache
