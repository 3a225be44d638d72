#include "cache/shared_lru.hpp"

#include <functional>
#include <stdexcept>

namespace memoryd::cache {

shared_lru::shared_lru(std::size_t max_bytes, std::size_t shards) {
  if (shards == 0)
    throw std::invalid_argument("a shared cache needs at least one shard");
  shards_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i)
    shards_.push_back(std::make_unique<shard>(max_bytes / shards));
}

shared_lru::shard& shared_lru::shard_of(const std::string& key) {
  return *shards_[std::hash<std::string>{}(key) % shards_.size()];
}

std::optional<entry> shared_lru::get(const std::string& key,
                                     clock::time_point now) {
  auto& s = shard_of(key);
  std::lock_guard guard{s.mutex};
  return s.lru.get(key, now);
}

bool shared_lru::put_if_newer(const std::string& key, int64_t revision,
                              std::string value, std::chrono::seconds ttl,
                              clock::time_point now) {
  auto& s = shard_of(key);
  std::lock_guard guard{s.mutex};
  return s.lru.put_if_newer(key, revision, std::move(value), ttl, now);
}

void shared_lru::invalidate(const std::string& key, clock::time_point now) {
  auto& s = shard_of(key);
  std::lock_guard guard{s.mutex};
  s.lru.invalidate(key, now);
}

template <class F>
auto shared_lru::sum(F f) const {
  decltype(f(shards_.front()->lru)) total = 0;
  for (const auto& s : shards_) {
    std::lock_guard guard{s->mutex};
    total += f(s->lru);
  }
  return total;
}

std::size_t shared_lru::entries() const {
  return sum([](const lru_cache& l) { return l.entries(); });
}

std::size_t shared_lru::bytes() const {
  return sum([](const lru_cache& l) { return l.bytes(); });
}

std::size_t shared_lru::max_bytes() const {
  return sum([](const lru_cache& l) { return l.max_bytes(); });
}

uint64_t shared_lru::evictions() const {
  return sum([](const lru_cache& l) { return l.evictions(); });
}

} // namespace memoryd::cache
