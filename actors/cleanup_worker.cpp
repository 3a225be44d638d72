#include "actors/cleanup_worker.hpp"

#include "telemetry/clock.hpp"

#include <unistd.h>

#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "storage/cleanup_lock.hpp"
#include "storage/cleanup_repository.hpp"
#include "storage/code_blobs.hpp"
#include "storage/event_repository.hpp"
#include "storage/idempotency_repository.hpp"
#include "storage/retry.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = cleanup_worker_actor::stateful_pointer<cleanup_worker_state>;
using std::chrono::steady_clock;

/// Once the lock is held, a lost connection ends the run instead of being
/// reopened: the lock (on PostgreSQL) went with it.
const storage::retry_policy while_locked{.reconnect = false};

std::string this_runner() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string{host} + ":" + std::to_string(getpid());
}

/// SOCI puts the bound values into its messages: here a batch's id list.
std::string shortened(std::string_view what) {
  constexpr std::size_t longest = 400;
  return what.size() <= longest ? std::string{what}
                                : std::string{what.substr(0, longest)} + "...";
}

soci::session& connection(cleanup_worker_state& st) {
  if (!st.sql)
    st.sql = storage::open_database(st.config.url);
  return *st.sql;
}

std::string now_text(const cleanup_worker_state& st) {
  return storage::format_timestamp(st.config.clock());
}

int64_t ms_since(steady_clock::time_point began) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           steady_clock::now() - began)
    .count();
}

/// Records how a deleting run ended, on a new connection if the run's broke.
/// A failure here is logged only: the deletions are committed either way.
void record_end(cleanup_worker_state& st, int64_t run_id,
                const storage::cleanup_run_end& end) {
  try {
    auto& sql = connection(st);
    storage::with_retry(sql, {}, [&] {
      storage::cleanup_repository{sql}.finish_run(run_id, end);
    });
  } catch (const std::exception& e) {
    st.sql.reset();
    spdlog::error("cleanup: run {} could not be recorded as {}: {}", run_id,
                  end.outcome, shortened(e.what()));
  }
}

/// Before each batch: whether the run may go on; why not, when it may not.
std::string may_go_on(cleanup_worker_state& st, soci::session& sql,
                      storage::cleanup_lock& lock) {
  if (st.stopping && st.stopping->load())
    return "stopped by shutdown";
  bool renewed = false;
  storage::with_retry(sql, while_locked, [&] { renewed = lock.renew(); });
  if (!renewed)
    return "lost the cleanup lock: its lease ran out";
  return {};
}

/// After a batch that began at `began`: the run makes progress (a long run
/// is busy, not stalled), then rests.
void rest(const cleanup_worker_state& st, steady_clock::time_point began) {
  if (st.probe)
    st.probe->progress(telemetry::now_ns());
  const auto pause = rest_after_batch(st.config.batch_pause,
                                      st.config.rest_percent,
                                      steady_clock::now() - began);
  // This thread is the worker's own: resting blocks nobody else.
  if (pause.count() > 0)
    std::this_thread::sleep_for(pause);
}

/// The code blobs no version needs any more (of the sessions deleted now or
/// since the last run), `batch_size` blobs examined per transaction. A base
/// goes in the pass after its last delta went (an intermediate, then its
/// keyframe), so passes repeat while they delete something (at most four).
std::string collect_blobs(cleanup_worker_state& st, soci::session& sql,
                          storage::cleanup_lock& lock) {
  std::size_t deleted = 0;
  for (int pass = 0; pass < 4; ++pass) {
    std::size_t in_pass = 0;
    std::string after;
    do {
      if (auto why = may_go_on(st, sql, lock); !why.empty())
        return why;
      const auto began = steady_clock::now();
      storage::with_retry(sql, while_locked, [&] {
        auto from = after;
        in_pass += storage::code_blobs::collect_garbage(sql, from,
                                                        st.config.batch_size);
        after = from;
      });
      rest(st, began);
    } while (!after.empty());
    deleted += in_pass;
    if (in_pass == 0)
      break;
  }
  if (deleted > 0)
    spdlog::info("cleanup: removed {} code blobs no version needs", deleted);
  return {};
}

/// Deletes batch after batch of expired sessions until none is left, then
/// the write keys older than IDEMPOTENCY_KEY_HOURS the same way, then the
/// code blobs nothing needs, unless the daemon stops or the lock is lost;
/// `out` counts what was deleted. Returns
/// why it stopped early, empty when it finished.
std::string delete_batches(cleanup_worker_state& st, soci::session& sql,
                           storage::cleanup_lock& lock, const cleanup_job& job,
                           cleanup_report& out) {
  storage::cleanup_repository repo{sql};
  try {
    std::string from;  // where the next batch starts
    for (;;) {
      if (auto why = may_go_on(st, sql, lock); !why.empty())
        return why;
      storage::expired_batch batch;
      const auto began = steady_clock::now();
      storage::with_retry(sql, while_locked, [&] {
        batch = repo.delete_expired(job.cutoff, st.config.batch_size, from);
      });
      if (batch.session_ids.empty())
        break;
      from = batch.next_from;
      out.deleted_sessions += static_cast<int64_t>(batch.session_ids.size());
      out.deleted_sites += static_cast<int64_t>(batch.site_ids.size());
      caf::anon_send(st.listener, atom::cleaned::value, std::move(batch));
      rest(st, began);
    }
    // Batches of `remove(limit)` until one deletes less than a batch.
    auto drain = [&](int64_t& counted, auto remove) -> std::string {
      for (;;) {
        if (auto why = may_go_on(st, sql, lock); !why.empty())
          return why;
        std::size_t deleted = 0;
        const auto began = steady_clock::now();
        storage::with_retry(sql, while_locked, [&] {
          deleted = remove(st.config.batch_size);
        });
        counted += static_cast<int64_t>(deleted);
        if (deleted < st.config.batch_size)
          return {};
        rest(st, began);
      }
    };
    storage::idempotency_repository keys{sql};
    const auto key_cutoff =
      storage::format_timestamp(st.config.clock() - st.config.key_ttl);
    auto why = drain(out.deleted_keys, [&](std::size_t n) {
      return keys.delete_older_than(key_cutoff, n);
    });
    if (!why.empty())
      return why;
    // The change feed's events past EVENT_RETENTION_HOURS; prune() moves
    // the horizon older cursors are answered 410 with.
    storage::event_repository events{sql};
    const auto event_cutoff =
      storage::format_timestamp(st.config.clock() - st.config.event_ttl);
    why = drain(out.deleted_events, [&](std::size_t n) {
      return events.prune(event_cutoff, n);
    });
    if (!why.empty())
      return why;
    return collect_blobs(st, sql, lock);
  } catch (const std::exception& e) {
    return "the database failed: " + shortened(e.what());
  }
}

/// One run, from the lock to its record. Throws when the database fails
/// before the run began, or (after recording it) when the run failed.
cleanup_report run_cleanup(cleanup_worker_state& st, const cleanup_job& job) {
  const auto began = steady_clock::now();
  cleanup_report out;
  out.cutoff = job.cutoff;
  out.dry_run = job.dry_run;
  out.started_at = now_text(st);
  const storage::cleanup_run_start start{out.started_at, job.cutoff,
                                         job.dry_run, st.config.runner};
  auto& sql = connection(st);
  storage::cleanup_repository repo{sql};

  // A dry run deletes nothing, so it needs no lock.
  if (job.dry_run) {
    storage::with_retry(sql, {}, [&] {
      auto counts = repo.count_expired(job.cutoff);
      out.deleted_sessions = counts.sessions;
      out.deleted_sites = counts.sites;
      out.run_id = repo.record_run(
        start, {now_text(st), storage::cleanup_outcome::done, counts, ""});
    });
    out.duration_ms = ms_since(began);
    return out;
  }

  std::optional<storage::cleanup_lock> lock;
  storage::with_retry(sql, {}, [&] { lock.emplace(sql, st.config.lease); });
  std::optional<int64_t> covered_by;
  if (lock->held())
    storage::with_retry(sql, while_locked,
                        [&] { covered_by = repo.done_since(job.requested_at); });
  if (!lock->held() || covered_by) {
    out.skipped = true;
    out.message = covered_by ? "run " + std::to_string(*covered_by)
                                 + " has done it since it was asked for"
                             : "another memoryd holds the cleanup lock";
    lock.reset();
    storage::with_retry(sql, {}, [&] {
      out.run_id = repo.record_run(start, {now_text(st),
                                           storage::cleanup_outcome::skipped,
                                           {}, out.message});
    });
    out.duration_ms = ms_since(began);
    return out;
  }

  storage::with_retry(sql, while_locked,
                      [&] { out.run_id = repo.start_run(start); });
  auto failure = delete_batches(st, sql, *lock, job, out);
  const storage::expired_counts deleted{out.deleted_sessions,
                                        out.deleted_sites};
  if (!failure.empty()) {
    lock.reset();
    st.sql.reset();  // whatever broke, start the next run afresh
  }
  record_end(st, out.run_id,
             {now_text(st),
              failure.empty() ? storage::cleanup_outcome::done
                              : storage::cleanup_outcome::failed,
              deleted, failure});
  lock.reset();  // given back after the record, which a next run reads
  if (!failure.empty())
    throw std::runtime_error("run " + std::to_string(out.run_id)
                             + " failed after deleting "
                             + std::to_string(out.deleted_sessions)
                             + " sessions: " + failure);
  out.duration_ms = ms_since(began);
  return out;
}

/// `work()` as a handler's result: every failure becomes errc::storage (and
/// a fresh connection next time), so that no exception escapes.
template <class Work>
auto guarded(self_ptr self, const char* what, Work work)
  -> caf::result<decltype(work())> {
  auto measured = handle(self->state.probe, {}, what);
  try {
    return work();
  } catch (const std::exception& e) {
    self->state.probe->failed();
    self->state.sql.reset();
    auto what = shortened(e.what());
    spdlog::error("cleanup: {}", what);
    return make_error(errc::storage, "the cleanup failed: " + what);
  }
}

} // namespace

cleanup_worker_state::cleanup_worker_state() = default;
cleanup_worker_state::~cleanup_worker_state() = default;

cleanup_worker_actor::behavior_type
cleanup_worker(self_ptr self, probe_ptr probe, cleanup_worker_config config,
               cleanup_listener_actor listener,
               std::shared_ptr<const std::atomic<bool>> stopping) {
  auto& st = self->state;
  st.probe = std::move(probe);
  st.config = std::move(config);
  if (st.config.runner.empty())
    st.config.runner = this_runner();
  if (!st.config.clock)
    st.config.clock = [] { return std::chrono::system_clock::now(); };
  st.listener = std::move(listener);
  st.stopping = std::move(stopping);
  return {
    [=](atom::last_run) {
      return guarded(self, "last_run", [&] {
        auto& sql = connection(self->state);
        std::optional<std::string> last;
        storage::with_retry(sql, {}, [&] {
          last = storage::cleanup_repository{sql}.last_success();
        });
        return cleanup_history{last.has_value(), last.value_or("")};
      });
    },
    [=](atom::cleanup, const cleanup_job& job) {
      return guarded(self, "cleanup",
                     [&] { return run_cleanup(self->state, job); });
    },
    [=](atom::status) { return make_status(self, *self->state.probe); },
  };
}

} // namespace memoryd
