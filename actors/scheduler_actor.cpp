#include "actors/scheduler_actor.hpp"

#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/cache_actor.hpp"
#include "actors/compactor.hpp"
#include "actors/errors.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = scheduler_actor::stateful_pointer<scheduler_state>;
using run_ptr = std::shared_ptr<cleanup_in_progress>;

wall_time now(self_ptr self) {
  return self->state.config.clock();
}

/// Sleeps until the next run is due, or less (see sleep_before).
void arm(self_ptr self) {
  const auto& st = self->state;
  self->delayed_send(self,
                     sleep_before(now(self), st.next_run, st.config.longest_sleep),
                     atom::wake::value);
}

/// The log line of a finished run.
void log_run(const cleanup_in_progress& run) {
  const auto& r = run.report;
  if (run.error) {
    spdlog::error("cleanup ({}): failed after {} ms: {}", run.trigger,
                  r.duration_ms, to_string(run.error));
  } else if (r.skipped) {
    spdlog::info("cleanup ({}): skipped, {} (run {}, cutoff {})", run.trigger,
                 r.message, r.run_id, r.cutoff);
  } else if (r.dry_run) {
    spdlog::info("cleanup ({}, dry run): {} sessions and {} sites last updated "
                 "before {} would be deleted (run {}, {} ms)",
                 run.trigger, r.deleted_sessions, r.deleted_sites, r.cutoff,
                 r.run_id, r.duration_ms);
  } else {
    spdlog::info("cleanup ({}): deleted {} sessions and {} sites last updated "
                 "before {}, and {} expired idempotency keys (run {}, {} ms)",
                 run.trigger, r.deleted_sessions, r.deleted_sites, r.cutoff,
                 r.deleted_keys, r.run_id, r.duration_ms);
  }
}

void start_run(self_ptr self, std::string trigger, bool dry_run,
               wall_time requested_at,
               caf::typed_response_promise<cleanup_report> answer = {});

/// Starts a scheduled or catch-up run now, or after the run under way.
void start_or_defer(self_ptr self, std::string trigger, wall_time requested_at) {
  auto& st = self->state;
  if (!st.running) {
    start_run(self, std::move(trigger), false, requested_at);
    return;
  }
  spdlog::info("cleanup ({}): deferred until the {} run under way has ended",
               trigger, st.running->trigger);
  st.deferred = deferred_run{std::move(trigger), requested_at};
}

/// Ends `run` once the worker has answered and every cache entry of what it
/// deleted is gone: counts, logs, answers the requester.
void finish_if_done(self_ptr self, const run_ptr& run) {
  auto& st = self->state;
  if (!run->worker_done || run->invalidating > 0 || st.running != run)
    return;
  st.running.reset();
  run->report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - run->began)
                              .count();
  auto& figures = st.figures->cleanup();
  if (run->error) {
    st.probe->failed();
    ++figures.failed_runs;
  } else if (!run->report.skipped && !run->report.dry_run) {
    const auto& r = run->report;
    ++figures.runs;
    figures.deleted_sessions += static_cast<uint64_t>(r.deleted_sessions);
    figures.deleted_sites += static_cast<uint64_t>(r.deleted_sites);
    figures.deleted_keys += static_cast<uint64_t>(r.deleted_keys);
    figures.last_duration_ms = r.duration_ms;
    figures.last_run_unix_s = std::chrono::duration_cast<std::chrono::seconds>(
                                now(self).time_since_epoch())
                                .count();
  }
  log_run(*run);
  if (run->answer.pending()) {
    if (run->error)
      run->answer.deliver(std::move(run->error));
    else
      run->answer.deliver(std::move(run->report));
  }
  if (auto next = std::exchange(st.deferred, std::nullopt))
    start_run(self, std::move(next->trigger), false, next->requested_at);
}

void start_run(self_ptr self, std::string trigger, bool dry_run,
               wall_time requested_at,
               caf::typed_response_promise<cleanup_report> answer) {
  auto& st = self->state;
  auto run = std::make_shared<cleanup_in_progress>();
  run->trigger = std::move(trigger);
  run->began = std::chrono::steady_clock::now();
  run->answer = std::move(answer);
  st.running = run;
  const auto cutoff = now(self) - std::chrono::days{st.config.retention_days};
  cleanup_job job{storage::format_timestamp(cutoff),
                  storage::format_timestamp(requested_at), dry_run};
  auto worker_done = [=](caf::error err) {
    run->error = std::move(err);
    run->worker_done = true;
    finish_if_done(self, run);
  };
  self->request(st.worker, caf::infinite, atom::cleanup::value, std::move(job))
    .then(
      [=](cleanup_report& report) {
        run->report = std::move(report);
        worker_done({});
      },
      [=](caf::error& err) { worker_done(std::move(err)); });
}

/// At start: a catch-up run when the last successful one is more than a day
/// old (see needs_catch_up).
void catch_up_if_due(self_ptr self) {
  self->request(self->state.worker, caf::infinite, atom::last_run::value)
    .then(
      [=](cleanup_history& history) {
        std::optional<wall_time> last;
        if (history.has_last_success)
          last = storage::parse_timestamp(history.last_success);
        if (!needs_catch_up(last, now(self)))
          return;
        spdlog::info("cleanup: the last successful run finished at {}, more "
                     "than a day ago: catching up",
                     history.last_success);
        start_or_defer(self, "catch-up", now(self));
      },
      [=](caf::error& err) {
        spdlog::warn("cleanup: cannot read when it last ran, so no catch-up: "
                     "{}",
                     to_string(err));
      });
}

} // namespace

scheduler_state::scheduler_state() = default;
scheduler_state::~scheduler_state() = default;

scheduler_actor::behavior_type
scheduler(self_ptr self, probe_ptr probe,
          std::shared_ptr<telemetry::registry> figures,
          scheduler_config config, cleanup_worker_config worker,
          pool_ptr<cache_actor> cache) {
  auto& st = self->state;
  st.probe = std::move(probe);
  auto worker_probe = figures->add_actor("cleanup", "cleanup",
                                         telemetry::actor_kind::detached);
  auto compactor_probe = figures->add_actor("compactor", "compactor",
                                            telemetry::actor_kind::detached);
  st.figures = std::move(figures);
  st.config = std::move(config);
  if (!st.config.clock)
    st.config.clock = [] { return std::chrono::system_clock::now(); };
  worker.clock = st.config.clock;
  st.cache = std::move(cache);
  st.stopping = std::make_shared<std::atomic<bool>>(false);
  compactor_config compaction;
  compaction.url = worker.url;
  st.worker = self->spawn<caf::detached + caf::linked>(
    cleanup_worker, std::move(worker_probe), std::move(worker),
    caf::actor_cast<cleanup_listener_actor>(self), st.stopping);
  // Converts what migration 0006 left plain, then ends by itself.
  caf::anon_send(self->spawn<caf::detached + caf::linked>(
                   compactor, std::move(compactor_probe),
                   std::move(compaction), st.stopping),
                 atom::compact::value);
  // A run under way ends after its current batch instead of holding up
  // the daemon's exit (the worker gets our exit only between messages).
  self->set_exit_handler([=](caf::exit_msg& msg) {
    // A linked worker that finished its work (the compactor) is no reason
    // to stop; the daemon stops us with user_shutdown.
    if (msg.reason == caf::exit_reason::normal)
      return;
    self->state.stopping->store(true);
    self->quit(msg.reason);
  });
  st.next_run = next_daily(now(self), st.config.hour, st.config.minute);
  spdlog::info("cleanup: daily at {:02}:{:02} UTC, next at {}; sessions not "
               "updated for {} days are deleted",
               st.config.hour, st.config.minute,
               storage::format_timestamp(st.next_run), st.config.retention_days);
  arm(self);
  catch_up_if_due(self);
  return {
    [=](atom::cleanup, const trace& t,
        bool dry_run) -> caf::result<cleanup_report> {
      auto& st = self->state;
      auto measured = handle(st.probe, t, "cleanup");
      if (st.running) {
        st.probe->failed();
        return make_error(errc::conflict,
                          "a cleanup (" + st.running->trigger
                            + ") is already running in this process; ask "
                              "again once it has finished");
      }
      auto answer = self->make_response_promise<cleanup_report>();
      start_run(self, "request", dry_run, now(self), answer);
      return answer;
    },
    [=](atom::wake) {
      auto& st = self->state;
      auto measured = handle(st.probe, {}, "wake");
      const auto t = now(self);
      if (t >= st.next_run)
        start_or_defer(self, "schedule", st.next_run);
      // Also after the wall clock went back: never wait more than a day.
      if (t >= st.next_run || st.next_run - t > std::chrono::hours{24})
        st.next_run = next_daily(t, st.config.hour, st.config.minute);
      arm(self);
    },
    [=](atom::cleaned, const storage::expired_batch& batch) {
      // Tracked by the run under way, so that it answers once all are gone;
      // dropped all the same when there is none.
      auto measured = handle(self->state.probe, {}, "cleaned");
      auto run = self->state.running;
      auto settled = [=] {
        if (run) {
          --run->invalidating;
          finish_if_done(self, run);
        }
      };
      std::vector<std::string> keys;
      keys.reserve(batch.session_ids.size() + batch.site_ids.size());
      for (const auto& id : batch.session_ids)
        keys.push_back(session_cache_key(id));
      for (const auto& id : batch.site_ids)
        keys.push_back(site_cache_key(id));
      if (run)
        ++run->invalidating;
      traced_request(self, self->state.cache, caf::infinite,
                     trace_of("cleanup"), atom::invalidate::value,
                     std::move(keys))
        .then([=](bool) { settled(); }, [=](caf::error&) { settled(); });
    },
    [=](atom::status) {
      const auto& st = self->state;
      auto s = make_status(self, *st.probe);
      caf::put(s, "next-run", storage::format_timestamp(st.next_run));
      caf::put(s, "running", st.running ? st.running->trigger : std::string{});
      return s;
    },
  };
}

} // namespace memoryd
