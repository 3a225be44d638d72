#include "telemetry/prometheus.hpp"

#include <cstdio>
#include <map>

#include "telemetry/actor_state.hpp"
#include "telemetry/process_stats.hpp"

namespace memoryd::telemetry {

namespace {

/// Numbers as Prometheus reads them: integers exactly, others with enough
/// digits.
std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", x);
  return text;
}

std::string number(int64_t x) {
  return std::to_string(x);
}

std::string number(uint64_t x) {
  return std::to_string(x);
}

/// A label value with \, " and newline escaped.
std::string escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class writer {
public:
  void family(std::string_view name, std::string_view type,
              std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void line(std::string_view name, std::string_view labels,
            const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  /// One series of a histogram family (buckets, sum and count).
  void histogram(std::string_view name, const std::string& labels,
                 const histogram_counts& h) {
    uint64_t cumulative = 0;
    const std::string prefix = labels.empty() ? "" : labels + ",";
    for (std::size_t i = 0; i < histogram_buckets; ++i) {
      cumulative += h.buckets[i];
      auto le = i + 1 == histogram_buckets
                  ? std::string{"+Inf"}
                  : number(static_cast<double>(bucket_upper_ns(i)) / 1e9);
      line(std::string{name} + "_bucket", prefix + "le=\"" + le + "\"",
           number(cumulative));
    }
    line(std::string{name} + "_sum", labels,
         number(static_cast<double>(h.sum_ns) / 1e9));
    line(std::string{name} + "_count", labels, number(cumulative));
  }

  std::string take() {
    return std::move(out_);
  }

private:
  std::string out_;
};

void add(histogram_counts& into, const histogram_counts& h) {
  for (std::size_t i = 0; i < histogram_buckets; ++i)
    into.buckets[i] += h.buckets[i];
  into.sum_ns += h.sum_ns;
}

/// The figures of all actors of one type.
struct type_totals {
  int64_t actors = 0;
  uint64_t messages = 0;
  uint64_t errors = 0;
  int64_t mailbox = 0;
  int64_t mailbox_max = 0;  // the fullest instance's
  int64_t busy = 0;
  int64_t stalled = 0;
  histogram_counts handler;
  histogram_counts wait;
};

std::map<std::string, type_totals> by_type(const registry& reg, int64_t now) {
  std::map<std::string, type_totals> out;
  for (const auto& probe : reg.actors()) {
    auto r = probe->read();
    auto verdict = judge(r, now, reg.stall_after_ns());
    auto& t = out[probe->type()];
    ++t.actors;
    t.messages += r.handled;
    t.errors += r.errors;
    t.mailbox += r.mailbox;
    t.mailbox_max = std::max(t.mailbox_max, r.mailbox);
    t.busy += verdict.state != actor_state::idle && r.current.since_ns != 0;
    t.stalled += verdict.state == actor_state::stalled;
    add(t.handler, r.handler);
    add(t.wait, r.wait);
  }
  return out;
}

std::string actor_label(const std::string& type) {
  return "actor=\"" + escaped(type) + "\"";
}

void write_actors(writer& w, const registry& reg, int64_t now) {
  auto types = by_type(reg, now);
  // One family with a series per actor type.
  auto per_type = [&](std::string_view kind, std::string_view name,
                      std::string_view help, auto figure) {
    w.family(name, kind, help);
    for (const auto& [type, t] : types)
      w.line(name, actor_label(type), number(figure(t)));
  };
  auto gauge = [&](auto&&... xs) { per_type("gauge", xs...); };
  auto counter = [&](auto&&... xs) { per_type("counter", xs...); };
  gauge("memoryd_actors", "Actor instances of each type.",
        [](const type_totals& t) { return t.actors; });
  counter("memoryd_actor_messages_total",
          "Requests the actors of a type have handled.",
          [](const type_totals& t) { return t.messages; });
  counter("memoryd_actor_errors_total",
          "Requests the actors of a type answered with an error.",
          [](const type_totals& t) { return t.errors; });
  gauge("memoryd_actor_mailbox_depth",
        "Requests waiting in the mailboxes of a type's actors.",
        [](const type_totals& t) { return t.mailbox; });
  gauge("memoryd_actor_mailbox_depth_max",
        "Requests waiting in the fullest mailbox of a type's actors.",
        [](const type_totals& t) { return t.mailbox_max; });
  gauge("memoryd_actor_busy", "Actors of a type inside a handler now.",
        [](const type_totals& t) { return t.busy; });
  gauge("memoryd_actor_stalled",
        "Actors of a type judged stalled: a handler running, or requests "
        "queued untaken, longer than the stall threshold.",
        [](const type_totals& t) { return t.stalled; });
  w.family("memoryd_actor_handler_seconds", "histogram",
           "Time the actors of a type spent in a request's handler.");
  for (const auto& [type, t] : types)
    w.histogram("memoryd_actor_handler_seconds", actor_label(type), t.handler);
  w.family("memoryd_actor_mailbox_wait_seconds", "histogram",
           "Time requests waited in a type's mailboxes before being taken.");
  for (const auto& [type, t] : types)
    w.histogram("memoryd_actor_mailbox_wait_seconds", actor_label(type), t.wait);
  // The database pool is the storage actors.
  type_totals storage;
  if (auto it = types.find("storage"); it != types.end())
    storage = it->second;
  w.family("memoryd_database_pool_in_use", "gauge",
           "Storage workers (database connections) inside a call now.");
  w.line("memoryd_database_pool_in_use", "", number(storage.busy));
  w.family("memoryd_database_pool_wait_seconds", "histogram",
           "Time a database call waited for its storage worker.");
  w.histogram("memoryd_database_pool_wait_seconds", "", storage.wait);
}

void write_http(writer& w, const registry& reg) {
  const auto& http = reg.http();
  const auto& labels = http.labels();
  w.family("memoryd_http_requests_total", "counter",
           "HTTP responses by method, route pattern and status code.");
  for (std::size_t i = 0; i < labels.size(); ++i)
    for (unsigned code = http_metrics::first_status;
         code <= http_metrics::last_status; ++code)
      if (auto n = http.count(i, code); n > 0)
        w.line("memoryd_http_requests_total",
               "method=\"" + escaped(labels[i].method) + "\",route=\""
                 + escaped(labels[i].route) + "\",code=\""
                 + std::to_string(code) + "\"",
               number(n));
  w.family("memoryd_http_request_duration_seconds", "histogram",
           "Time from a request's first byte to its response being sent.");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto h = http.latency(i).read();
    if (h.count() == 0)
      continue;
    w.histogram("memoryd_http_request_duration_seconds",
                "method=\"" + escaped(labels[i].method) + "\",route=\""
                  + escaped(labels[i].route) + "\"",
                h);
  }
  w.family("memoryd_http_requests_in_flight", "gauge",
           "HTTP requests read but not yet answered.");
  w.line("memoryd_http_requests_in_flight", "",
         number(http.in_flight.load(std::memory_order_relaxed)));
}

void write_dependencies(writer& w, const registry& reg) {
  const auto& c = reg.cache();
  auto simple = [&](std::string_view name, std::string_view type,
                    std::string_view help, const std::string& labels,
                    const std::string& value) {
    w.family(name, type, help);
    w.line(name, labels, value);
  };
  const std::string cache_kind
    = std::string{"kind=\""} + c.kind.load() + "\"";
  simple("memoryd_cache_hits_total", "counter", "Cache lookups that hit.", "",
         number(c.hits.load()));
  simple("memoryd_cache_misses_total", "counter",
         "Cache lookups that missed (a failed lookup counts as a miss).", "",
         number(c.misses.load()));
  simple("memoryd_cache_errors_total", "counter",
         "Redis commands that failed.", "", number(c.errors.load()));
  simple("memoryd_cache_up", "gauge",
         "Whether the cache answers (1) or not (0).", cache_kind,
         number(int64_t{c.up.load() ? 1 : 0}));
  simple("memoryd_cache_reader_connections", "gauge",
         "The HTTP io threads' own Redis connections, which serve hits.", "",
         number(c.readers.load()));
  simple("memoryd_cache_reader_connections_ready", "gauge",
         "Of those, the ones ready to read.", "",
         number(c.readers_ready.load()));
  simple("memoryd_cache_reader_failures_total", "counter",
         "Failed connection attempts and lost connections of those.", "",
         number(c.reader_failures.load()));
  const auto& d = reg.database();
  simple("memoryd_database_up", "gauge",
         "Whether the last database call reached the database (1) or not (0).",
         std::string{"kind=\""} + d.kind.load() + "\"",
         number(int64_t{d.up.load() ? 1 : 0}));
  simple("memoryd_database_errors_total", "counter",
         "Database calls that failed for a reason other than the request.",
         "", number(d.errors.load()));
  simple("memoryd_database_refused_total", "counter",
         "Requests answered 503 at once: every storage worker had "
         "DATABASE_QUEUE_LIMIT requests pending.",
         "", number(d.refused.load()));
  simple("memoryd_database_pool_size", "gauge",
         "Database connections (storage workers) configured.", "",
         number(d.pool_size.load()));
  const auto& v = reg.versions();
  simple("memoryd_version_folds_total", "counter",
         "Transactions that added new versions (of one or more sites).", "",
         number(v.folds.load()));
  simple("memoryd_version_folds_failed_total", "counter",
         "Of those, transactions that failed as a whole.", "",
         number(v.failed_folds.load()));
  simple("memoryd_version_fold_sites_total", "counter",
         "Sites' parts of those transactions that committed.", "",
         number(v.parts.load()));
  simple("memoryd_version_fold_refused_sites_total", "counter",
         "Sites' parts refused and undone alone (the site gone, ...).", "",
         number(v.refused_parts.load()));
  simple("memoryd_version_fold_versions_total", "counter",
         "Versions those transactions committed (a site's first version "
         "is written with the site).",
         "", number(v.versions.load()));
  const auto& k = reg.cleanup();
  simple("memoryd_cleanup_runs_total", "counter",
         "Retention cleanups that ran to the end and deleted.", "",
         number(k.runs.load()));
  simple("memoryd_cleanup_failed_runs_total", "counter",
         "Retention cleanups that failed.", "", number(k.failed_runs.load()));
  simple("memoryd_cleanup_deleted_sessions_total", "counter",
         "Sessions the retention cleanup deleted.", "",
         number(k.deleted_sessions.load()));
  simple("memoryd_cleanup_deleted_sites_total", "counter",
         "Sites deleted with the sessions the cleanup deleted.", "",
         number(k.deleted_sites.load()));
  simple("memoryd_cleanup_deleted_idempotency_keys_total", "counter",
         "Idempotency keys the cleanup deleted after their retention.", "",
         number(k.deleted_keys.load()));
  simple("memoryd_cleanup_last_run_timestamp_seconds", "gauge",
         "When the last cleanup ended, in seconds since the epoch (0: never).",
         "", number(k.last_run_unix_s.load()));
}

void write_process(writer& w, const registry& reg) {
  auto p = read_process_stats();
  auto simple = [&](std::string_view name, std::string_view type,
                    std::string_view help, const std::string& value) {
    w.family(name, type, help);
    w.line(name, "", value);
  };
  simple("process_cpu_seconds_total", "counter",
         "User and system CPU time spent in seconds.", number(p.cpu_seconds));
  simple("process_resident_memory_bytes", "gauge",
         "Resident memory size in bytes.", number(p.resident_bytes));
  simple("process_virtual_memory_bytes", "gauge",
         "Virtual memory size in bytes.", number(p.virtual_bytes));
  simple("process_open_fds", "gauge", "Number of open file descriptors.",
         number(p.open_fds));
  simple("process_max_fds", "gauge",
         "Maximum number of open file descriptors.", number(p.max_fds));
  simple("process_threads", "gauge", "Number of OS threads.",
         number(p.threads));
  simple("process_start_time_seconds", "gauge",
         "Start time of the process since the epoch in seconds.",
         number(reg.started_unix_s()));
  w.family("memoryd_build_info", "gauge",
           "Always 1; the labels say which memoryd is running.");
  w.line("memoryd_build_info",
         "version=\"" + escaped(reg.version()) + "\"", "1");
}

} // namespace

std::string render_prometheus(const registry& reg, int64_t now_ns) {
  writer w;
  write_http(w, reg);
  write_actors(w, reg, now_ns);
  write_dependencies(w, reg);
  write_process(w, reg);
  return w.take();
}

} // namespace memoryd::telemetry
