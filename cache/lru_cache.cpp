#include "cache/lru_cache.hpp"

#include <iterator>
#include <utility>

namespace memoryd::cache {

lru_cache::lru_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {
  // nop
}

std::optional<entry> lru_cache::get(const std::string& key,
                                    clock::time_point now) {
  auto found = index_.find(key);
  if (found == index_.end())
    return std::nullopt;
  auto it = found->second;
  if (!live(*it, now)) {
    erase(it);
    return std::nullopt;
  }
  if (it->data.revision == tombstone_revision || it->data.value.empty())
    return std::nullopt;  // a tombstone or a fence: see cache_entry.hpp
  lru_.splice(lru_.begin(), lru_, it);
  return it->data;
}

bool lru_cache::put_if_newer(const std::string& key, int64_t revision,
                             std::string value, std::chrono::seconds ttl,
                             clock::time_point now) {
  if (auto found = index_.find(key); found != index_.end()) {
    auto it = found->second;
    if (live(*it, now) && it->data.revision >= revision)
      return false;
    // Older or expired: it goes even if the new value cannot be stored,
    // since serving it would mean serving data known to be stale.
    erase(it);
  }
  if (ttl <= std::chrono::seconds::zero())
    return false;
  return insert(node{key, entry{revision, std::move(value)}, now + ttl}, now);
}

void lru_cache::invalidate(const std::string& key, clock::time_point now) {
  // Unconditional rather than put_if_newer: a second delete must restart
  // the tombstone's time, and nothing outranks a tombstone anyway.
  if (auto found = index_.find(key); found != index_.end())
    erase(found->second);
  insert(node{key, entry{tombstone_revision, {}}, now + tombstone_ttl}, now);
}

std::size_t lru_cache::entries() const {
  return lru_.size();
}

std::size_t lru_cache::bytes() const {
  return bytes_;
}

std::size_t lru_cache::max_bytes() const {
  return max_bytes_;
}

uint64_t lru_cache::evictions() const {
  return evictions_;
}

std::size_t lru_cache::cost(const node& n) {
  return n.key.size() + n.data.value.size() + entry_overhead;
}

bool lru_cache::live(const node& n, clock::time_point now) {
  return now < n.expires_at;
}

bool lru_cache::insert(node fresh, clock::time_point now) {
  auto needed = cost(fresh);
  if (needed > max_bytes_)
    return false;
  while (bytes_ + needed > max_bytes_) {
    auto victim = std::prev(lru_.end());
    // Dropping an expired entry is housekeeping, not memory pressure.
    if (live(*victim, now))
      ++evictions_;
    erase(victim);
  }
  lru_.push_front(std::move(fresh));
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += needed;
  return true;
}

void lru_cache::erase(node_list::iterator it) {
  bytes_ -= cost(*it);
  index_.erase(it->key);
  lru_.erase(it);
}

} // namespace memoryd::cache
