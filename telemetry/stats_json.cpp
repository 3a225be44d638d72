#include "telemetry/stats_json.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include <boost/json.hpp>

#include "telemetry/actor_state.hpp"
#include "telemetry/clock.hpp"
#include "telemetry/process_stats.hpp"

namespace memoryd::telemetry {

namespace json = boost::json;

namespace {

double ms(double ns) {
  return ns / 1e6;
}

/// Three decimals are plenty for milliseconds and keep the document short.
double round3(double x) {
  return static_cast<double>(static_cast<int64_t>(x * 1000 + 0.5)) / 1000;
}

json::object quantiles(const histogram_counts& h, int64_t max_ns) {
  return {{"p50", round3(ms(h.quantile_ns(0.5, max_ns)))},
          {"p99", round3(ms(h.quantile_ns(0.99, max_ns)))},
          {"max", round3(ms(static_cast<double>(max_ns)))}};
}

std::string utc(int64_t unix_s) {
  std::time_t t = unix_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

/// Per second over the window; the window may be shorter than its nominal
/// length right after the start.
struct rate_base {
  double seconds = 0;

  double per_second(uint64_t now, uint64_t then) const {
    if (seconds <= 0 || now < then)
      return 0;
    return round3(static_cast<double>(now - then) / seconds);
  }
};

json::object actor_entry(const actor_probe& probe, const probe_reading& r,
                         const probe_sample& then, int64_t handler_max,
                         int64_t wait_max, int64_t recent_peak,
                         const rate_base& rate, int64_t now,
                         int64_t stall_after) {
  auto verdict = judge(r, now, stall_after);
  json::object a;
  a["name"] = probe.name();
  a["type"] = probe.type();
  a["kind"] = to_string(probe.kind());
  a["messages"] = r.handled;
  a["per_second"] = rate.per_second(r.handled, then.handled);
  a["errors"] = r.errors;
  a["errors_per_second"] = rate.per_second(r.errors, then.errors);
  a["mailbox"] = r.mailbox;
  a["mailbox_peak"] = r.mailbox_peak;
  a["mailbox_peak_recent"] = std::max(recent_peak, r.mailbox);
  a["handler_ms"] = quantiles(r.handler.since(then.handler), handler_max);
  a["wait_ms"] = quantiles(r.wait.since(then.wait), wait_max);
  a["state"] = to_string(verdict.state);
  a["busy_ms"] = round3(ms(static_cast<double>(verdict.busy_ns)));
  a["doing"] = r.current.since_ns != 0 ? r.current.what : "";
  a["request_id"] = r.current.since_ns != 0
                      ? json::string{r.current.request_id.view()}
                      : json::string{};
  a["waiting_requests"] = verdict.waiting_requests;
  a["oldest_wait_ms"] = round3(ms(static_cast<double>(verdict.oldest_wait_ns)));
  json::array slowest;
  for (const auto& m : probe.slowest(now))
    slowest.push_back(json::object{
      {"request_id", m.request_id.view()},
      {"message", m.what},
      {"handler_ms", round3(ms(static_cast<double>(m.handler_ns)))},
      {"wait_ms", round3(ms(static_cast<double>(m.wait_ns)))},
      {"ago_ms", round3(ms(static_cast<double>(now - m.at_ns)))}});
  a["slowest"] = std::move(slowest);
  return a;
}

struct actor_totals {
  int64_t in_use = 0;   // storage workers in a handler
  int64_t queued = 0;   // requests waiting for one
  histogram_counts wait;
  int64_t wait_max = 0;
};

json::object requests_section(const registry& reg, const window& w,
                              const rate_base& rate) {
  const auto& http = reg.http();
  const auto& labels = http.labels();
  json::array routes;
  histogram_counts all_recent;
  int64_t all_max = 0;
  uint64_t total = 0, total_then = 0, errors = 0, errors_then = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    json::object codes;
    uint64_t requests = 0, server_errors = 0;
    for (unsigned code = http_metrics::first_status;
         code <= http_metrics::last_status; ++code)
      if (auto n = http.count(i, code); n > 0) {
        codes[std::to_string(code)] = n;
        requests += n;
        if (code >= 500)
          server_errors += n;
      }
    if (requests == 0)
      continue;
    route_sample then;
    if (!w.empty && i < w.start.routes.size())
      then = w.start.routes[i];
    auto recent = http.latency(i).read().since(then.latency);
    auto max_ns = std::max(i < w.route_max_ns.size() ? w.route_max_ns[i] : 0,
                           http.latency(i).max_ns());
    for (std::size_t b = 0; b < histogram_buckets; ++b)
      all_recent.buckets[b] += recent.buckets[b];
    all_max = std::max(all_max, max_ns);
    total += requests;
    total_then += then.requests;
    errors += server_errors;
    errors_then += then.server_errors;
    json::object r;
    r["method"] = labels[i].method;
    r["route"] = labels[i].route;
    r["total"] = requests;
    r["per_second"] = rate.per_second(requests, then.requests);
    r["server_errors_per_second"] = rate.per_second(server_errors,
                                                    then.server_errors);
    r["latency_ms"] = quantiles(recent, max_ns);
    r["codes"] = std::move(codes);
    routes.push_back(std::move(r));
  }
  json::object out;
  out["in_flight"] = http.in_flight.load(std::memory_order_relaxed);
  out["total"] = total;
  out["per_second"] = rate.per_second(total, total_then);
  out["server_errors_per_second"] = rate.per_second(errors, errors_then);
  out["latency_ms"] = quantiles(all_recent, all_max);
  out["routes"] = std::move(routes);
  return out;
}

json::object cache_section(const registry& reg, const window& w) {
  const auto& c = reg.cache();
  auto hits = c.hits.load(std::memory_order_relaxed);
  auto misses = c.misses.load(std::memory_order_relaxed);
  json::object out;
  out["kind"] = c.kind.load(std::memory_order_relaxed);
  out["up"] = c.up.load(std::memory_order_relaxed);
  out["hits"] = hits;
  out["misses"] = misses;
  out["errors"] = c.errors.load(std::memory_order_relaxed);
  out["puts"] = c.puts.load(std::memory_order_relaxed);
  json::object readers;
  readers["connections"] = c.readers.load(std::memory_order_relaxed);
  readers["ready"] = c.readers_ready.load(std::memory_order_relaxed);
  readers["failures"] = c.reader_failures.load(std::memory_order_relaxed);
  out["readers"] = std::move(readers);
  auto recent_hits = hits - std::min(hits, w.start.cache_hits);
  auto recent_misses = misses - std::min(misses, w.start.cache_misses);
  auto lookups = recent_hits + recent_misses;
  if (lookups > 0)
    out["hit_ratio"] = round3(static_cast<double>(recent_hits)
                              / static_cast<double>(lookups));
  else
    out["hit_ratio"] = nullptr;
  return out;
}

json::object database_section(const registry& reg, const actor_totals& t) {
  const auto& d = reg.database();
  json::object out;
  out["kind"] = d.kind.load(std::memory_order_relaxed);
  out["up"] = d.up.load(std::memory_order_relaxed);
  out["errors"] = d.errors.load(std::memory_order_relaxed);
  out["refused"] = d.refused.load(std::memory_order_relaxed);
  out["pool_size"] = d.pool_size.load(std::memory_order_relaxed);
  out["pool_in_use"] = t.in_use;
  out["pool_queued"] = t.queued;
  out["pool_wait_ms"] = quantiles(t.wait, t.wait_max);
  return out;
}

json::object cleanup_section(const registry& reg) {
  const auto& c = reg.cleanup();
  json::object out;
  out["runs"] = c.runs.load(std::memory_order_relaxed);
  out["failed_runs"] = c.failed_runs.load(std::memory_order_relaxed);
  out["deleted_sessions"] = c.deleted_sessions.load(std::memory_order_relaxed);
  out["deleted_sites"] = c.deleted_sites.load(std::memory_order_relaxed);
  out["deleted_idempotency_keys"] = c.deleted_keys.load(std::memory_order_relaxed);
  auto last = c.last_run_unix_s.load(std::memory_order_relaxed);
  if (last > 0)
    out["last_run_at"] = utc(last);
  else
    out["last_run_at"] = nullptr;
  out["last_duration_ms"] = c.last_duration_ms.load(std::memory_order_relaxed);
  return out;
}

json::object versions_section(const registry& reg) {
  const auto& v = reg.versions();
  const auto folds = v.folds.load(std::memory_order_relaxed);
  const auto versions = v.versions.load(std::memory_order_relaxed);
  json::object out;
  out["folds"] = folds;
  out["failed_folds"] = v.failed_folds.load(std::memory_order_relaxed);
  out["sites"] = v.parts.load(std::memory_order_relaxed);
  out["refused_sites"] = v.refused_parts.load(std::memory_order_relaxed);
  out["versions"] = versions;
  if (folds > 0)
    out["versions_per_fold"] = round3(static_cast<double>(versions)
                                      / static_cast<double>(folds));
  else
    out["versions_per_fold"] = nullptr;
  return out;
}

json::object process_section() {
  auto p = read_process_stats();
  return {{"cpu_seconds", round3(p.cpu_seconds)},
          {"resident_bytes", p.resident_bytes},
          {"virtual_bytes", p.virtual_bytes},
          {"open_fds", p.open_fds},
          {"max_fds", p.max_fds},
          {"threads", p.threads}};
}

} // namespace

std::string render_stats_json(const registry& reg, int64_t now) {
  const auto began = now_ns();
  auto w = reg.recent();
  rate_base rate;
  if (!w.empty)
    rate.seconds = static_cast<double>(now - w.start.at_ns) / 1e9;
  json::array actors;
  actor_totals storage;
  const auto probes = reg.actors();
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const auto& probe = *probes[i];
    auto r = probe.read();
    probe_sample then;
    int64_t handler_max = 0, wait_max = 0, peak = 0;
    if (!w.empty && i < w.start.actors.size()) {
      then = w.start.actors[i];
      handler_max = w.handler_max_ns[i];
      wait_max = w.wait_max_ns[i];
      peak = w.mailbox_peak[i];
    }
    handler_max = std::max(handler_max, probe.handler_histogram().max_ns());
    wait_max = std::max(wait_max, probe.wait_histogram().max_ns());
    if (probe.type() == "storage") {
      storage.in_use += r.current.since_ns != 0 ? 1 : 0;
      storage.queued += r.mailbox;
      auto recent = r.wait.since(then.wait);
      for (std::size_t b = 0; b < histogram_buckets; ++b)
        storage.wait.buckets[b] += recent.buckets[b];
      storage.wait_max = std::max(storage.wait_max, wait_max);
    }
    actors.push_back(actor_entry(probe, r, then, handler_max, wait_max, peak,
                                 rate, now, reg.stall_after_ns()));
  }
  json::object doc;
  doc["version"] = reg.version();
  doc["uptime_seconds"]
    = round3(static_cast<double>(now - reg.started_ns()) / 1e9);
  doc["started_at"] = utc(reg.started_unix_s());
  doc["window_seconds"] = round3(rate.seconds);
  doc["stall_after_ms"] = reg.stall_after_ns() / 1000000;
  doc["requests"] = requests_section(reg, w, rate);
  doc["cache"] = cache_section(reg, w);
  doc["database"] = database_section(reg, storage);
  doc["cleanup"] = cleanup_section(reg);
  doc["versions"] = versions_section(reg);
  doc["process"] = process_section();
  doc["actors"] = std::move(actors);
  doc["render_ms"] = round3(ms(static_cast<double>(now_ns() - began)));
  return json::serialize(doc);
}

} // namespace memoryd::telemetry
