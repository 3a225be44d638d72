#pragma once

// An actor's handle together with its probe, pools of them, and the one way
// to send a domain request: traced_request() counts the request into the
// receiver's mailbox and stamps it with the time it was sent.
//
// Pools pick the worker with the fewest requests pending (queued or in
// hand), so that one stuck worker (a row lock, a slow statement) does not
// keep receiving a share of the traffic as round robin would give it.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/interfaces.hpp"
#include "telemetry/clock.hpp"
#include "telemetry/registry.hpp"

namespace memoryd {

using probe_ptr = std::shared_ptr<telemetry::actor_probe>;

/// Which worker of a pool a request prefers (worker_pool::admit).
struct affinity {
  std::size_t hash;
};

template <class Handle>
struct probed {
  Handle handle;
  probe_ptr probe;
};

/// A fixed set of workers of one interface, optionally bounded: once every
/// worker has `queue_limit` requests pending, a request goes to the refuser
/// instead, which answers errc::unavailable at once.
template <class Handle>
class worker_pool {
public:
  explicit worker_pool(std::vector<probed<Handle>> workers,
                       int64_t queue_limit = 0, Handle refuser = {},
                       std::atomic<uint64_t>* refused = nullptr)
    : workers_(std::move(workers)),
      queue_limit_(queue_limit),
      refuser_(std::move(refuser)),
      refused_(refused) {
    // nop
  }

  /// The worker for the next request, or null when the pool is full.
  const probed<Handle>* admit() const {
    return admit_from(next_.fetch_add(1, std::memory_order_relaxed));
  }

  /// The same, preferring the worker `key` names when no other has fewer
  /// requests pending: requests about one thing (a site's versions) then
  /// find that worker's thread-local caches warm.
  const probed<Handle>* admit(affinity key) const {
    return admit_from(key.hash);
  }

  /// Answers every request with errc::unavailable (admit() said full).
  const Handle& refuser() const {
    return refuser_;
  }

  /// The worker with the fewest pending requests; ties go round.
  const probed<Handle>& pick() const {
    return pick_from(next_.fetch_add(1, std::memory_order_relaxed));
  }

  const std::vector<probed<Handle>>& workers() const {
    return workers_;
  }

private:
  const probed<Handle>* admit_from(std::size_t start) const {
    const auto& w = pick_from(start);
    if (queue_limit_ > 0 && w.probe->pending() >= queue_limit_) {
      if (refused_)
        refused_->fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    return &w;
  }

  // The least loaded worker, the first of equals from `start` on.
  const probed<Handle>& pick_from(std::size_t start) const {
    const auto n = workers_.size();
    std::size_t best = start % n;
    auto best_load = workers_[best].probe->pending();
    for (std::size_t k = 1; k < n && best_load > 0; ++k) {
      auto i = (start + k) % n;
      auto load = workers_[i].probe->pending();
      if (load < best_load) {
        best = i;
        best_load = load;
      }
    }
    return workers_[best];
  }

  std::vector<probed<Handle>> workers_;
  mutable std::atomic<std::size_t> next_{0};
  int64_t queue_limit_;
  Handle refuser_;
  std::atomic<uint64_t>* refused_;
};

template <class Handle>
using pool_ptr = std::shared_ptr<const worker_pool<Handle>>;

/// Spawns `size` workers named "<type>-<i>" with `spawn_worker(probe)`.
template <class Handle, class SpawnWorker>
std::vector<probed<Handle>>
spawn_workers(telemetry::registry& reg, const std::string& type,
              telemetry::actor_kind kind, std::size_t size,
              SpawnWorker spawn_worker) {
  std::vector<probed<Handle>> workers;
  for (std::size_t i = 0; i < size; ++i) {
    auto probe = reg.add_actor(type + "-" + std::to_string(i), type, kind);
    workers.push_back({spawn_worker(probe), probe});
  }
  return workers;
}

/// An unbounded pool of spawn_workers().
template <class Handle, class SpawnWorker>
pool_ptr<Handle> make_pool(telemetry::registry& reg, const std::string& type,
                           telemetry::actor_kind kind, std::size_t size,
                           SpawnWorker spawn_worker) {
  return std::make_shared<const worker_pool<Handle>>(
    spawn_workers<Handle>(reg, type, kind, size, std::move(spawn_worker)));
}

/// The trace of a request made on behalf of the HTTP request `request_id`.
inline trace trace_of(std::string_view request_id) {
  return {telemetry::short_text::of(request_id), 0};
}

/// Sends `atom, trace, xs...` to `dest` as a request on behalf of `cause`.
template <class Self, class Handle, class Timeout, class Atom, class... Ts>
auto traced_request(Self self, const probed<Handle>& dest, Timeout timeout,
                    const trace& cause, Atom atom, Ts&&... xs) {
  const auto now = telemetry::now_ns();
  dest.probe->enqueued(now);
  return self->request(dest.handle, timeout, atom, trace{cause.request_id, now},
                       std::forward<Ts>(xs)...);
}

/// Sends to `worker`, which `pool` admitted, or to the pool's refuser when
/// it admitted none (null).
template <class Self, class Handle, class Timeout, class Atom, class... Ts>
auto traced_request_to(Self self, const probed<Handle>* worker,
                       const worker_pool<Handle>& pool, Timeout timeout,
                       const trace& cause, Atom atom, Ts&&... xs) {
  if (worker != nullptr)
    return traced_request(self, *worker, timeout, cause, atom,
                          std::forward<Ts>(xs)...);
  return self->request(pool.refuser(), timeout, atom, cause,
                       std::forward<Ts>(xs)...);
}

/// The same to the pool's least loaded worker, or to its refuser when the
/// pool is full (the caller's error handler sees errc::unavailable).
template <class Self, class Handle, class Timeout, class Atom, class... Ts>
auto traced_request(Self self, const pool_ptr<Handle>& pool, Timeout timeout,
                    const trace& cause, Atom atom, Ts&&... xs) {
  return traced_request_to(self, pool->admit(), *pool, timeout, cause, atom,
                           std::forward<Ts>(xs)...);
}

/// The same, preferring the worker `key` names (worker_pool::admit).
template <class Self, class Handle, class Timeout, class Atom, class... Ts>
auto traced_request(Self self, const pool_ptr<Handle>& pool, affinity key,
                    Timeout timeout, const trace& cause, Atom atom,
                    Ts&&... xs) {
  return traced_request_to(self, pool->admit(key), *pool, timeout, cause, atom,
                           std::forward<Ts>(xs)...);
}

/// Spawns the refuser of a bounded pool: it answers every message with
/// errc::unavailable and `message`.
caf::actor spawn_refuser(caf::actor_system& sys, std::string message);

/// A one-way message (no answer awaited) on behalf of `cause`.
template <class Handle, class Atom, class... Ts>
void traced_send(const probed<Handle>& dest, const trace& cause, Atom atom,
                 Ts&&... xs) {
  const auto now = telemetry::now_ns();
  dest.probe->enqueued(now);
  caf::anon_send(dest.handle, atom, trace{cause.request_id, now},
                 std::forward<Ts>(xs)...);
}

template <class Handle, class Atom, class... Ts>
void traced_send(const pool_ptr<Handle>& pool, const trace& cause, Atom atom,
                 Ts&&... xs) {
  traced_send(pool->pick(), cause, atom, std::forward<Ts>(xs)...);
}

/// Measures the request `t` in the receiving actor's probe until the end of
/// the scope (see telemetry::handling).
inline telemetry::handling handle(const probe_ptr& probe, const trace& t,
                                  const char* what) {
  return {probe.get(), t.request_id.view(), t.sent_ns, what};
}

} // namespace memoryd
