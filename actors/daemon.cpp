#include "actors/daemon.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/backup_actor.hpp"
#include "actors/cache_actor.hpp"
#include "actors/front_actor.hpp"
#include "actors/preference_actor.hpp"
#include "actors/scheduler_actor.hpp"
#include "actors/session_actor.hpp"
#include "actors/site_actor.hpp"
#include "actors/storage_actor.hpp"

namespace memoryd {

actor_topology::actor_topology(caf::actor_system& sys,
                               const config::settings& settings,
                               std::size_t shards) {
  store_ = make_storage_pool(sys, storage::parse_database_url(settings.database_url),
                             settings.database_pool_size);
  cache_ = make_cache(sys, {settings.redis_url, settings.redis_max_connections,
                            settings.redis_timeout, settings.cache_max_bytes});
  std::chrono::seconds session_ttl = settings.session_ttl;
  for (std::size_t i = 0; i < shards; ++i) {
    sessions_.push_back(sys.spawn(session_manager, store_, cache_, session_ttl));
    preferences_.push_back(
      sys.spawn(preference_manager, store_, cache_, session_ttl));
    sites_.push_back(
      sys.spawn(site_manager, store_, cache_, settings.site_cache_ttl));
  }
  // Two: a document in flight can take hundreds of MB (MAX_IMPORT_BYTES).
  backup_ = make_backup_pool(
    sys, store_,
    {{settings.max_import_bytes, settings.max_json_depth},
     settings.request_timeout},
    2);
  scheduler_config schedule;
  schedule.retention_days = settings.session_cleanup_days;
  schedule.hour = settings.cleanup_hour;
  schedule.minute = settings.cleanup_minute;
  cleanup_worker_config cleanup;
  cleanup.url = storage::parse_database_url(settings.database_url);
  cleanup.batch_size = settings.cleanup_batch_size;
  cleanup.batch_pause = settings.cleanup_batch_pause;
  cleanup.key_ttl = settings.idempotency_key_ttl;
  scheduler_ = sys.spawn(scheduler, schedule, cleanup, cache_);
  // The domain gets 90% of the request's deadline, so that a slow answer
  // is the front actor's 504 rather than the HTTP layer's last-resort 503.
  front_wiring wiring{sessions_, preferences_, sites_, backup_, store_, cache_,
                      {settings.request_timeout * 9 / 10, settings.max_json_depth},
                      scheduler_};
  for (std::size_t i = 0; i < shards; ++i)
    fronts_.push_back(sys.spawn(front, wiring));
}

void actor_topology::dispatch(uint64_t connection_id, api_request request,
                              responder_ptr responder) const {
  caf::anon_send(fronts_[connection_id % fronts_.size()], atom::http::value,
                 std::move(request), std::move(responder));
}

void actor_topology::stop() {
  auto quit = [](const auto& handle) {
    caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
  };
  for (const auto& f : fronts_)
    quit(f);
  quit(scheduler_);  // a cleanup under way stops after its current batch
  for (const auto& s : sessions_)
    quit(s);
  for (const auto& p : preferences_)
    quit(p);
  for (const auto& s : sites_)
    quit(s);
  quit(backup_);
  quit(cache_);
  quit(store_);
}

} // namespace memoryd
