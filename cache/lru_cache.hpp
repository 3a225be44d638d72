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
#include <string_view>
#include <unordered_map>

#include "cache/cache_entry.hpp"

namespace memoryd::cache {

class lru_cache {
public:
  using clock = std::chrono::steady_clock;

  /// `max_bytes` bounds keys + values + per-entry overhead.
  explicit lru_cache(std::size_t max_bytes);

  // Move-only: the index points into the list, a copy would point into the
  // original.
  lru_cache(const lru_cache&) = delete;
  lru_cache& operator=(const lru_cache&) = delete;
  lru_cache(lru_cache&&) noexcept = default;
  lru_cache& operator=(lru_cache&&) noexcept = default;

  /// What an entry costs besides its key and value bytes: an estimate of
  /// its list node, hash node and bucket, and allocator headers.
  static constexpr std::size_t entry_overhead = 160;

  /// The live entry under `key`; nullopt when absent, expired (then removed)
  /// or a tombstone. A hit makes the entry most recently used.
  std::optional<entry> get(const std::string& key, clock::time_point now);

  /// Stores `value` unless a live entry with revision >= `revision` exists.
  /// Evicts least recently used entries to stay within the budget; a value
  /// larger than the whole budget (or a ttl <= 0) is not stored, and then
  /// an older entry under `key` is dropped all the same, being stale.
  /// Returns whether it stored.
  bool put_if_newer(const std::string& key, int64_t revision,
                    std::string value, std::chrono::seconds ttl,
                    clock::time_point now);

  /// Leaves a tombstone under `key` for tombstone_ttl from `now`, also when
  /// one is there already.
  void invalidate(const std::string& key, clock::time_point now);

  /// Entries and bytes include tombstones, and expired entries not yet
  /// touched or pushed out by get, put_if_newer or invalidate.
  std::size_t entries() const;
  std::size_t bytes() const;
  std::size_t max_bytes() const;
  uint64_t evictions() const;

private:
  struct node {
    std::string key;
    entry data;
    clock::time_point expires_at;
  };
  // Front = most recently used. List nodes never move, so the index can key
  // on a view of the key each node owns.
  using node_list = std::list<node>;

  static std::size_t cost(const node& n);
  static bool live(const node& n, clock::time_point now);
  /// Stores `fresh` (whose key must be absent) at the front, evicting from
  /// the back until it fits; false when it exceeds the whole budget.
  bool insert(node fresh, clock::time_point now);
  void erase(node_list::iterator it);

  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  uint64_t evictions_ = 0;
  node_list lru_;
  std::unordered_map<std::string_view, node_list::iterator> index_;
};

} // namespace memoryd::cache
