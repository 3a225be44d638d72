#pragma once

// The in-process cache shared between its owner and readers on other
// threads, after Erlang's ETS: the cache actor writes (puts, fences,
// tombstones), and the HTTP io threads read a hit directly, without an
// actor round trip. Keys are spread over shards, each an lru_cache behind
// its own mutex, so readers of different keys rarely meet; every call
// holds one shard's mutex for one lru_cache call (no I/O, no allocation
// beyond copying the value out).
//
// Puts, fences and tombstones take effect for every reader at once, so
// what the actor path guarantees (no read older than one's own write,
// put-if-newer, tombstones) holds for direct readers alike.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/lru_cache.hpp"

namespace memoryd::cache {

class shared_lru {
public:
  using clock = lru_cache::clock;

  /// `max_bytes` is split evenly over `shards`: a value larger than one
  /// shard's part is not cached.
  explicit shared_lru(std::size_t max_bytes, std::size_t shards = 8);

  /// As lru_cache, each under its key's shard lock.
  std::optional<entry> get(const std::string& key, clock::time_point now);
  bool put_if_newer(const std::string& key, int64_t revision,
                    std::string value, std::chrono::seconds ttl,
                    clock::time_point now);
  void invalidate(const std::string& key, clock::time_point now);

  /// Sums over the shards (each read under its lock, so not one moment).
  std::size_t entries() const;
  std::size_t bytes() const;
  std::size_t max_bytes() const;
  uint64_t evictions() const;

private:
  struct shard {
    explicit shard(std::size_t max_bytes) : lru(max_bytes) {
      // nop
    }
    mutable std::mutex mutex;
    lru_cache lru;
  };

  shard& shard_of(const std::string& key);

  template <class F>
  auto sum(F f) const;

  std::vector<std::unique_ptr<shard>> shards_;
};

} // namespace memoryd::cache
