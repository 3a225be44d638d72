#include "telemetry/registry.hpp"

#include <algorithm>

#include "telemetry/clock.hpp"

namespace memoryd::telemetry {

registry::registry(std::vector<route_label> routes, std::string version,
                   std::chrono::milliseconds stall_after)
  : version_(std::move(version)),
    started_ns_(now_ns()),
    started_unix_s_(std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count()),
    stall_after_ns_(std::chrono::nanoseconds{stall_after}.count()),
    http_(std::move(routes)) {
  // nop
}

std::shared_ptr<actor_probe>
registry::add_actor(std::string name, std::string type, actor_kind kind) {
  auto probe = std::make_shared<actor_probe>(std::move(name), std::move(type),
                                             kind);
  std::lock_guard guard{mutex_};
  probes_.push_back(probe);
  return probe;
}

std::vector<std::shared_ptr<actor_probe>> registry::actors() const {
  std::lock_guard guard{mutex_};
  return probes_;
}

void registry::sample_now(int64_t now_ns) {
  sample s;
  s.at_ns = now_ns;
  for (const auto& probe : actors()) {
    auto r = probe->read();
    s.actors.push_back({r.handled, r.errors, r.handler, r.wait,
                        probe->handler_histogram().take_max_ns(),
                        probe->wait_histogram().take_max_ns(),
                        probe->take_mailbox_peak()});
  }
  const auto& labels = http_.labels();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    route_sample r;
    for (unsigned code = http_metrics::first_status;
         code <= http_metrics::last_status; ++code) {
      auto n = http_.count(i, code);
      r.requests += n;
      if (code >= 500)
        r.server_errors += n;
    }
    r.latency = http_.latency(i).read();
    r.max_ns = http_.latency(i).take_max_ns();
    s.routes.push_back(std::move(r));
  }
  s.cache_hits = cache_.hits.load(std::memory_order_relaxed);
  s.cache_misses = cache_.misses.load(std::memory_order_relaxed);
  std::lock_guard guard{mutex_};
  samples_.push_back(std::move(s));
  while (samples_.size() > static_cast<std::size_t>(window_seconds) + 1)
    samples_.pop_front();
}

window registry::recent() const {
  window w;
  std::lock_guard guard{mutex_};
  if (samples_.empty())
    return w;
  w.empty = false;
  w.start = samples_.front();
  w.seconds_ns = samples_.back().at_ns - w.start.at_ns;
  const auto& latest = samples_.back();
  w.handler_max_ns.assign(latest.actors.size(), 0);
  w.wait_max_ns.assign(latest.actors.size(), 0);
  w.mailbox_peak.assign(latest.actors.size(), 0);
  w.route_max_ns.assign(latest.routes.size(), 0);
  // The maxima of the seconds after the start sample.
  for (std::size_t k = 1; k < samples_.size(); ++k) {
    const auto& s = samples_[k];
    for (std::size_t i = 0; i < s.actors.size() && i < w.handler_max_ns.size(); ++i) {
      w.handler_max_ns[i] = std::max(w.handler_max_ns[i], s.actors[i].handler_max_ns);
      w.wait_max_ns[i] = std::max(w.wait_max_ns[i], s.actors[i].wait_max_ns);
      w.mailbox_peak[i] = std::max(w.mailbox_peak[i], s.actors[i].mailbox_peak);
    }
    for (std::size_t i = 0; i < s.routes.size(); ++i)
      w.route_max_ns[i] = std::max(w.route_max_ns[i], s.routes[i].max_ns);
  }
  return w;
}

} // namespace memoryd::telemetry
