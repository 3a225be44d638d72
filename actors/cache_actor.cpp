#include "actors/cache_actor.hpp"

#include "actors/pool.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace memoryd {

namespace {

/// The status of either implementation.
caf::settings cache_status(caf::scheduled_actor* self, const cache_counters& c,
                           std::string_view kind) {
  auto s = make_status(self, c);
  caf::put(s, "kind", std::string{kind});
  caf::put(s, "hits", c.hits);
  caf::put(s, "misses", c.misses);
  caf::put(s, "puts", c.puts);
  return s;
}

cache_lookup to_lookup(std::optional<cache::entry> e, cache_counters& c) {
  ++c.handled;
  if (!e) {
    ++c.misses;
    return {};
  }
  ++c.hits;
  return {true, e->revision, std::move(e->value)};
}

} // namespace

std::string session_cache_key(const std::string& session_id) {
  return "memoryd:v2:session:" + session_id;
}

std::string site_cache_key(const std::string& site_id) {
  return "memoryd:v2:site:" + site_id;
}

cache_actor::behavior_type
lru_cache_actor(cache_actor::stateful_pointer<lru_cache_state> self,
                std::size_t max_bytes) {
  self->state.lru = std::make_unique<cache::lru_cache>(max_bytes);
  using clock = cache::lru_cache::clock;
  return {
    [=](atom::get, const std::string& key) {
      auto& st = self->state;
      return to_lookup(st.lru->get(key, clock::now()), st.counters);
    },
    [=](atom::put, const std::string& key, int64_t revision,
        std::string& value, int64_t ttl) {
      auto& st = self->state;
      ++st.counters.handled;
      ++st.counters.puts;
      return st.lru->put_if_newer(key, revision, std::move(value),
                                  std::chrono::seconds{ttl}, clock::now());
    },
    [=](atom::invalidate, const std::string& key) {
      ++self->state.counters.handled;
      self->state.lru->invalidate(key, clock::now());
      return true;
    },
    [=](atom::invalidate, const std::vector<std::string>& keys) {
      ++self->state.counters.handled;
      const auto now = clock::now();
      for (const auto& key : keys)
        self->state.lru->invalidate(key, now);
      return true;
    },
    [=](atom::ping) {
      return dependency_state{true, "in-process", ""};
    },
    [=](atom::status) {
      auto& st = self->state;
      auto s = cache_status(self, st.counters, "in-process");
      caf::put(s, "entries", static_cast<uint64_t>(st.lru->entries()));
      caf::put(s, "bytes", static_cast<uint64_t>(st.lru->bytes()));
      caf::put(s, "max-bytes", static_cast<uint64_t>(st.lru->max_bytes()));
      caf::put(s, "evictions", st.lru->evictions());
      return s;
    },
  };
}

cache_actor::behavior_type
redis_cache_worker(cache_actor::stateful_pointer<redis_cache_state> self,
                   cache::redis_options options,
                   std::shared_ptr<cache::pending_invalidations> pending) {
  self->state.redis = std::make_unique<cache::redis_cache>(
    std::move(options), std::move(pending), cache_key_pattern);
  return {
    [=](atom::get, const std::string& key) {
      auto& st = self->state;
      return to_lookup(st.redis->get(key), st.counters);
    },
    [=](atom::put, const std::string& key, int64_t revision,
        const std::string& value, int64_t ttl) {
      auto& st = self->state;
      ++st.counters.handled;
      ++st.counters.puts;
      return st.redis->put_if_newer(key, revision, value,
                                    std::chrono::seconds{ttl});
    },
    [=](atom::invalidate, const std::string& key) {
      ++self->state.counters.handled;
      return self->state.redis->invalidate(key);
    },
    [=](atom::invalidate, const std::vector<std::string>& keys) {
      ++self->state.counters.handled;
      return self->state.redis->invalidate(keys);
    },
    [=](atom::ping) {
      auto& redis = *self->state.redis;
      auto up = redis.ping();
      return dependency_state{up, "redis", up ? "" : redis.client().last_error()};
    },
    [=](atom::status) {
      auto& st = self->state;
      auto s = cache_status(self, st.counters, "redis");
      caf::put(s, "connected", st.redis->client().connected());
      caf::put(s, "errors", st.redis->client().errors());
      return s;
    },
  };
}

cache_actor make_cache(caf::actor_system& sys, const cache_options& options) {
  if (options.redis_url.empty())
    return sys.spawn(lru_cache_actor, options.max_bytes);
  auto redis = cache::parse_redis_url(options.redis_url);
  redis.connect_timeout = options.redis_timeout;
  redis.command_timeout = options.redis_timeout;
  // Bounds the memory of remembered failures; past it, the next read
  // wipes memoryd's keys from Redis instead.
  constexpr std::size_t max_pending_invalidations = 100000;
  auto pending
    = std::make_shared<cache::pending_invalidations>(max_pending_invalidations);
  return make_round_robin_pool<cache_actor>(
    sys, options.redis_connections, [&] {
      return sys.spawn<caf::detached>(redis_cache_worker, redis, pending);
    });
}

} // namespace memoryd
