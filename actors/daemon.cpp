#include "actors/daemon.hpp"

#include <string>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/backup_actor.hpp"
#include "actors/cache_actor.hpp"
#include "actors/cached_reads.hpp"
#include "actors/events_actor.hpp"
#include "actors/diff_actor.hpp"
#include "actors/front_actor.hpp"
#include "actors/preference_actor.hpp"
#include "actors/redis_reads.hpp"
#include "actors/scheduler_actor.hpp"
#include "actors/session_actor.hpp"
#include "actors/site_actor.hpp"
#include "actors/stats_actor.hpp"
#include "actors/storage_actor.hpp"

namespace memoryd {

namespace {

/// Spawns `fn(self, probe, xs...)` as an event-based actor named
/// "<type>-<index>".
template <class Fn, class... Ts>
auto spawn_probed(caf::actor_system& sys, telemetry::registry& figures,
                  const std::string& type, std::size_t index, Fn fn,
                  Ts&&... xs) {
  auto probe = figures.add_actor(type + "-" + std::to_string(index), type,
                                 telemetry::actor_kind::event_based);
  auto handle = sys.spawn(fn, probe, std::forward<Ts>(xs)...);
  return probed<decltype(handle)>{std::move(handle), std::move(probe)};
}

} // namespace

actor_topology::actor_topology(caf::actor_system& sys,
                               const config::settings& settings,
                               std::size_t shards,
                               std::shared_ptr<telemetry::registry> figures) {
  auto& reg = *figures;
  // Bounded statements: a lock held elsewhere costs a request a 503, not a
  // worker for as long as the lock is held.
  const auto database = storage::with_statement_limits(
    storage::parse_database_url(settings.database_url),
    settings.statement_timeout, settings.lock_timeout);
  store_ = make_storage_pool(sys, figures, database,
                             settings.database_pool_size,
                             settings.database_queue_limit);
  if (settings.redis_url.empty()) {
    auto local = std::make_shared<cache::shared_lru>(settings.cache_max_bytes);
    direct_ = std::make_shared<cached_reads>(local, figures);
    cache_ = make_cache(sys, figures, {{}, 0, {}, std::move(local), nullptr});
  } else {
    auto pending = std::make_shared<cache::pending_invalidations>(
      max_pending_invalidations);
    direct_ = std::make_shared<redis_reads>(
      redis_settings(settings.redis_url, settings.redis_timeout), pending,
      figures);
    cache_ = make_cache(sys, figures,
                        {settings.redis_url, settings.redis_max_connections,
                         settings.redis_timeout, nullptr, std::move(pending)});
  }
  const domain_wiring domain{store_, cache_};
  std::chrono::seconds session_ttl = settings.session_ttl;
  for (std::size_t i = 0; i < shards; ++i) {
    sessions_.push_back(
      spawn_probed(sys, reg, "session", i, session_manager, domain, session_ttl));
    preferences_.push_back(spawn_probed(sys, reg, "preference", i,
                                        preference_manager, domain,
                                        session_ttl));
  }
  // Fewer site actors than session actors: a site actor's folds take the
  // versions of all its sites (bench/sites_bench.sh, docs/architecture.md).
  for (std::size_t i = 0; i < settings.site_shards; ++i)
    sites_.push_back(spawn_probed(sys, reg, "site", i, site_manager, domain,
                                  figures, settings.site_cache_ttl));
  // Two: a document in flight can take hundreds of MB (MAX_IMPORT_BYTES).
  backup_ = make_backup_pool(
    sys, reg, store_,
    {{settings.max_import_bytes, settings.max_json_depth},
     settings.request_timeout},
    2);
  // Two, like the cores of the smallest machine: a diff is pure CPU.
  diff_ = make_diff_pool(sys, reg, diff_options{});
  scheduler_config schedule;
  schedule.retention_days = settings.session_cleanup_days;
  schedule.hour = settings.cleanup_hour;
  schedule.minute = settings.cleanup_minute;
  cleanup_worker_config cleanup;
  cleanup.url = database;
  cleanup.batch_size = settings.cleanup_batch_size;
  cleanup.batch_pause = settings.cleanup_batch_pause;
  cleanup.rest_percent = settings.cleanup_batch_rest_percent;
  cleanup.key_ttl = settings.idempotency_key_ttl;
  cleanup.event_ttl = settings.event_retention;
  scheduler_ = spawn_probed(sys, reg, "scheduler", 0, scheduler, figures,
                            schedule, cleanup, cache_);
  events_ = spawn_probed(sys, reg, "events", 0, events_manager, store_,
                         events_config{settings.event_max_waiting,
                                       settings.event_poll_interval});
  // The domain gets 90% of the request's deadline, so that a slow answer
  // is the front actor's 504 rather than the HTTP layer's last-resort 503.
  front_wiring wiring{sessions_, preferences_, sites_, backup_, store_, cache_,
                      {settings.request_timeout * 9 / 10, settings.max_json_depth},
                      scheduler_, events_, figures, diff_};
  for (std::size_t i = 0; i < shards; ++i)
    fronts_.push_back(spawn_probed(sys, reg, "front", i, front, wiring));
  stats_ = sys.spawn(stats_sampler, figures);
}

void actor_topology::dispatch(uint64_t connection_id, api_request request,
                              responder_ptr responder) const {
  const auto cause = trace_of(request.request_id);
  traced_send(fronts_[connection_id % fronts_.size()], cause, atom::http::value,
              std::move(request), std::move(responder));
}

void actor_topology::release_waiters() {
  caf::anon_send(events_.handle, atom::stop::value);
}

void actor_topology::stop() {
  auto quit = [](const auto& handle) {
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
  };
  auto quit_all = [&](const auto& actors) {
    for (const auto& a : actors)
      quit(a.handle);
  };
  quit_all(fronts_);
  quit(scheduler_.handle);  // a cleanup under way stops after its current batch
  quit(stats_);
  quit(events_.handle);
  quit_all(sessions_);
  quit_all(preferences_);
  quit_all(sites_);
  quit_all(backup_->workers());
  quit_all(diff_->workers());
  quit(diff_->refuser());
  quit_all(cache_->workers());
  quit_all(store_->workers());
  quit(store_->refuser());
}

} // namespace memoryd
