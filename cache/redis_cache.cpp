#include "cache/redis_cache.hpp"

namespace memoryd::cache {

pending_invalidations::pending_invalidations(std::size_t max_keys)
  : max_keys_(max_keys) {
  // nop
}

void pending_invalidations::add(const std::string& key) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++generation_;
  if (!everything_ && keys_.size() >= max_keys_) {
    keys_.clear();
    everything_ = true;
  } else if (!everything_) {
    keys_[key] = generation_;
  }
  update_none();
}

bool pending_invalidations::contains(const std::string& key,
                                     uint64_t& generation) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = keys_.find(key);
  if (it == keys_.end())
    return false;
  generation = it->second;
  return true;
}

void pending_invalidations::erase(const std::string& key, uint64_t generation) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (auto it = keys_.find(key); it != keys_.end() && it->second == generation)
    keys_.erase(it);
  update_none();
}

void pending_invalidations::server_seen(const std::string& run_id) {
  std::lock_guard guard{mutex_};
  if (run_id == run_id_)
    return;
  if (!run_id_.empty()) {
    everything_ = true;
    keys_.clear();
    ++generation_;
    update_none();
  }
  run_id_ = run_id;
}

bool pending_invalidations::everything(uint64_t& generation) const {
  std::lock_guard<std::mutex> guard{mutex_};
  generation = generation_;
  return everything_;
}

void pending_invalidations::flushed(uint64_t generation) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (generation == generation_)
    everything_ = false;
  update_none();
}

std::size_t pending_invalidations::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return everything_ ? max_keys_ : keys_.size();
}

redis_cache::redis_cache(redis_options options,
                         std::shared_ptr<pending_invalidations> pending,
                         std::string namespace_pattern)
  : client_(std::move(options)),
    pending_(std::move(pending)),
    namespace_pattern_(std::move(namespace_pattern)) {
  // nop
}

std::optional<entry> redis_cache::get(const std::string& key) {
  if (!settle(key))
    return std::nullopt;
  return client_.get(key);
}

bool redis_cache::put_if_newer(const std::string& key, int64_t revision,
                               std::string_view value,
                               std::chrono::seconds ttl) {
  auto stored = client_.put_if_newer(key, revision, value, ttl);
  // Not connected afterwards: the call failed or was skipped in backoff,
  // so Redis may still hold an older value of this key.
  if (!client_.connected())
    pending_->add(key);
  return stored;
}

bool redis_cache::put_if_newer(const std::vector<put_request>& puts) {
  auto answered = client_.put_if_newer(puts);
  // As for one put: not connected afterwards, any of them may be missing.
  if (!client_.connected())
    for (const auto& p : puts)
      pending_->add(p.key);
  return answered;
}

bool redis_cache::invalidate(const std::string& key) {
  auto done = client_.invalidate(key);
  if (!done)
    pending_->add(key);
  return done;
}

bool redis_cache::invalidate(const std::vector<std::string>& keys) {
  auto done = client_.invalidate(keys);
  if (!done)
    for (const auto& key : keys)
      pending_->add(key);
  return done;
}

bool redis_cache::ping() {
  return client_.ping();
}

bool redis_cache::settle(const std::string& key) {
  // Connected first, so that a restart of Redis is known before its data
  // is read.
  if (!client_.connect())
    return false;
  pending_->server_seen(client_.server_run_id());
  uint64_t generation = 0;
  if (pending_->everything(generation)) {
    if (!client_.remove_matching(namespace_pattern_))
      return false;
    pending_->flushed(generation);
    return !pending_->everything(generation);
  }
  if (!pending_->contains(key, generation))
    return true;
  if (!client_.remove(key))
    return false;
  pending_->erase(key, generation);
  return true;
}

} // namespace memoryd::cache
