#pragma once

// The in-process cache used when REDIS_URL is unset: least-recently-used
// eviction under a byte budget, a TTL per entry, revision-guarded puts.
// Not thread-safe: owned by one cache actor.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "cache/cache_entry.hpp"

namespace memoryd::cache {

class lru_cache {
public:
  using clock = std::chrono::steady_clock;

  /// `max_bytes` bounds keys + values + per-entry overhead.
  explicit lru_cache(std::size_t max_bytes);

  /// The live entry under `key`; nullopt when absent, expired (then removed)
  /// or a tombstone. A hit makes the entry most recently used.
  std::optional<entry> get(const std::string& key, clock::time_point now);

  /// Stores `value` unless a live entry with revision >= `revision` exists.
  /// Evicts least recently used entries to stay within the budget; a value
  /// larger than the whole budget is not stored. Returns whether it stored.
  bool put_if_newer(const std::string& key, int64_t revision,
                    std::string value, std::chrono::seconds ttl,
                    clock::time_point now);

  /// Leaves a tombstone under `key` for tombstone_ttl.
  void invalidate(const std::string& key, clock::time_point now);

  std::size_t entries() const;
  std::size_t bytes() const;
  std::size_t max_bytes() const;
  uint64_t evictions() const;

private:
  struct node;
  // (implementation-defined members)
};

} // namespace memoryd::cache
