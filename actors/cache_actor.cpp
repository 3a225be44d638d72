#include "actors/cache_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace memoryd {

namespace {

/// Counts a lookup's outcome in the cache figures.
cache_lookup to_lookup(std::optional<cache::entry> e,
                       telemetry::cache_figures& figures) {
  if (!e) {
    figures.misses.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
  figures.hits.fetch_add(1, std::memory_order_relaxed);
  return {true, e->revision, std::move(e->value)};
}

/// Runs one Redis call and tells the figures whether Redis answered.
template <class Call>
auto observed(redis_cache_state& st, Call call) {
  const auto errors_before = st.redis->client().errors();
  auto out = call(*st.redis);
  auto& figures = st.figures->cache();
  const auto failed = st.redis->client().errors() - errors_before;
  if (failed > 0)
    figures.errors.fetch_add(failed, std::memory_order_relaxed);
  figures.up.store(failed == 0 && st.redis->client().connected(),
                   std::memory_order_relaxed);
  return out;
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
                probe_ptr probe, std::shared_ptr<telemetry::registry> figures,
                std::shared_ptr<cache::shared_lru> lru) {
  self->state.lru = std::move(lru);
  self->state.probe = std::move(probe);
  self->state.figures = std::move(figures);
  using clock = cache::shared_lru::clock;
  return {
    [=](atom::get, const trace& t, const std::string& key) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "get");
      return to_lookup(st.lru->get(key, clock::now()), st.figures->cache());
    },
    [=](atom::put, const trace& t, const std::string& key, int64_t revision,
        std::string& value, int64_t ttl) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "put");
      st.figures->cache().puts.fetch_add(1, std::memory_order_relaxed);
      return st.lru->put_if_newer(key, revision, std::move(value),
                                  std::chrono::seconds{ttl}, clock::now());
    },
    [=](atom::put, const trace& t, std::vector<cache::put_request>& puts) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "put");
      st.figures->cache().puts.fetch_add(puts.size(),
                                         std::memory_order_relaxed);
      const auto now = clock::now();
      for (auto& p : puts)
        st.lru->put_if_newer(p.key, p.revision, std::move(p.value),
                             std::chrono::seconds{p.ttl_seconds}, now);
      return true;
    },
    [=](atom::invalidate, const trace& t, const std::string& key) {
      auto measured = handle(self->state.probe, t, "invalidate");
      self->state.lru->invalidate(key, clock::now());
      return true;
    },
    [=](atom::invalidate, const trace& t,
        const std::vector<std::string>& keys) {
      auto measured = handle(self->state.probe, t, "invalidate");
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
      auto s = make_status(self, *st.probe);
      caf::put(s, "entries", static_cast<uint64_t>(st.lru->entries()));
      caf::put(s, "bytes", static_cast<uint64_t>(st.lru->bytes()));
      return s;
    },
  };
}

cache_actor::behavior_type
redis_cache_worker(cache_actor::stateful_pointer<redis_cache_state> self,
                   probe_ptr probe, std::shared_ptr<telemetry::registry> figures,
                   cache::redis_options options,
                   std::shared_ptr<cache::pending_invalidations> pending) {
  self->state.redis = std::make_unique<cache::redis_cache>(
    std::move(options), std::move(pending), cache_key_pattern);
  self->state.probe = std::move(probe);
  self->state.figures = std::move(figures);
  return {
    [=](atom::get, const trace& t, const std::string& key) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "get");
      auto found = observed(st, [&](cache::redis_cache& r) { return r.get(key); });
      return to_lookup(std::move(found), st.figures->cache());
    },
    [=](atom::put, const trace& t, const std::string& key, int64_t revision,
        const std::string& value, int64_t ttl) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "put");
      st.figures->cache().puts.fetch_add(1, std::memory_order_relaxed);
      return observed(st, [&](cache::redis_cache& r) {
        return r.put_if_newer(key, revision, value, std::chrono::seconds{ttl});
      });
    },
    [=](atom::put, const trace& t,
        const std::vector<cache::put_request>& puts) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "put");
      st.figures->cache().puts.fetch_add(puts.size(),
                                         std::memory_order_relaxed);
      return observed(st,
                      [&](cache::redis_cache& r) { return r.put_if_newer(puts); });
    },
    [=](atom::invalidate, const trace& t, const std::string& key) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "invalidate");
      return observed(st,
                      [&](cache::redis_cache& r) { return r.invalidate(key); });
    },
    [=](atom::invalidate, const trace& t,
        const std::vector<std::string>& keys) {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "invalidate");
      return observed(st,
                      [&](cache::redis_cache& r) { return r.invalidate(keys); });
    },
    [=](atom::ping) {
      auto& st = self->state;
      auto up = observed(st, [](cache::redis_cache& r) { return r.ping(); });
      return dependency_state{up, "redis",
                              up ? "" : st.redis->client().last_error()};
    },
    [=](atom::status) {
      auto& st = self->state;
      auto s = make_status(self, *st.probe);
      caf::put(s, "connected", st.redis->client().connected());
      return s;
    },
  };
}

pool_ptr<cache_actor> make_cache(caf::actor_system& sys,
                                 std::shared_ptr<telemetry::registry> figures,
                                 const cache_options& options) {
  using telemetry::actor_kind;
  if (options.redis_url.empty()) {
    if (!options.local)
      throw std::invalid_argument("an in-process cache needs its table");
    figures->cache().kind = "in-process";
    return make_pool<cache_actor>(
      *figures, "cache", actor_kind::event_based, 1, [&](probe_ptr probe) {
        return sys.spawn(lru_cache_actor, probe, figures, options.local);
      });
  }
  if (!options.pending)
    throw std::invalid_argument("a Redis cache needs its pending list");
  figures->cache().kind = "redis";
  auto redis = redis_settings(options.redis_url, options.redis_timeout);
  return make_pool<cache_actor>(
    *figures, "redis", actor_kind::detached, options.redis_connections,
    [&](probe_ptr probe) {
      return sys.spawn<caf::detached>(redis_cache_worker, probe, figures,
                                      redis, options.pending);
    });
}

cache::redis_options redis_settings(const std::string& url,
                                    std::chrono::milliseconds timeout) {
  auto redis = cache::parse_redis_url(url);
  redis.connect_timeout = timeout;
  redis.command_timeout = timeout;
  return redis;
}

} // namespace memoryd
