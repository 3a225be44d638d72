#include "apps/memoryctl/stats_view.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <tuple>

#include <boost/json/parse.hpp>

namespace memoryctl {

namespace json = boost::json;

namespace {

const json::value* field(const json::object& o, std::string_view key) {
  return o.if_contains(key);
}

double number(const json::object& o, std::string_view key) {
  const auto* v = field(o, key);
  if (v == nullptr)
    return 0;
  if (v->is_double())
    return v->get_double();
  if (v->is_int64())
    return static_cast<double>(v->get_int64());
  if (v->is_uint64())
    return static_cast<double>(v->get_uint64());
  return 0;
}

int64_t integer(const json::object& o, std::string_view key) {
  return static_cast<int64_t>(std::llround(number(o, key)));
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = field(o, key);
  return v != nullptr && v->is_string() ? std::string{v->get_string()}
                                        : std::string{};
}

bool flag(const json::object& o, std::string_view key) {
  const auto* v = field(o, key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

const json::object& object(const json::object& o, std::string_view key) {
  static const json::object empty;
  const auto* v = field(o, key);
  return v != nullptr && v->is_object() ? v->get_object() : empty;
}

const json::array& array(const json::object& o, std::string_view key) {
  static const json::array empty;
  const auto* v = field(o, key);
  return v != nullptr && v->is_array() ? v->get_array() : empty;
}

quantiles read_quantiles(const json::object& o) {
  return {number(o, "p50"), number(o, "p99"), number(o, "max")};
}

actor_stats read_actor(const json::object& a) {
  actor_stats out;
  out.name = text(a, "name");
  out.type = text(a, "type");
  out.kind = text(a, "kind");
  out.state = text(a, "state");
  out.messages = integer(a, "messages");
  out.per_second = number(a, "per_second");
  out.errors = integer(a, "errors");
  out.errors_per_second = number(a, "errors_per_second");
  out.mailbox = integer(a, "mailbox");
  out.mailbox_peak = integer(a, "mailbox_peak");
  out.mailbox_peak_recent = integer(a, "mailbox_peak_recent");
  out.handler_ms = read_quantiles(object(a, "handler_ms"));
  out.wait_ms = read_quantiles(object(a, "wait_ms"));
  out.busy_ms = number(a, "busy_ms");
  out.doing = text(a, "doing");
  out.request_id = text(a, "request_id");
  out.waiting_requests = integer(a, "waiting_requests");
  out.oldest_wait_ms = number(a, "oldest_wait_ms");
  for (const auto& m : array(a, "slowest")) {
    if (!m.is_object())
      continue;
    const auto& o = m.get_object();
    out.slowest.push_back({text(o, "request_id"), text(o, "message"),
                           number(o, "handler_ms"), number(o, "wait_ms"),
                           number(o, "ago_ms")});
  }
  return out;
}

/// Worse states rank higher.
int state_rank(const std::string& state) {
  if (state == "stalled")
    return 2;
  if (state == "busy")
    return 1;
  return 0;
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string printf_string(const char* format, double value) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), format, value);
  return buf.data();
}

} // namespace

int natural_compare(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      // Compare the runs of digits as numbers: by length without leading
      // zeros, then digit by digit.
      auto run = [&](std::string_view s, std::size_t& k) {
        while (k < s.size() && s[k] == '0')
          ++k;
        auto start = k;
        while (k < s.size() && digit(s[k]))
          ++k;
        return s.substr(start, k - start);
      };
      auto x = run(a, i);
      auto y = run(b, j);
      if (x.size() != y.size())
        return x.size() < y.size() ? -1 : 1;
      if (auto c = x.compare(y); c != 0)
        return c < 0 ? -1 : 1;
      continue;
    }
    if (a[i] != b[j])
      return a[i] < b[j] ? -1 : 1;
    ++i;
    ++j;
  }
  if (i < a.size())
    return 1;
  if (j < b.size())
    return -1;
  return a < b ? -1 : b < a ? 1 : 0;
}

stats_snapshot parse_stats(const json::value& document) {
  if (!document.is_object())
    throw std::runtime_error("the stats document is not a JSON object");
  const auto& d = document.get_object();
  stats_snapshot s;
  s.version = text(d, "version");
  s.uptime_seconds = number(d, "uptime_seconds");
  s.window_seconds = number(d, "window_seconds");
  s.stall_after_ms = number(d, "stall_after_ms");
  const auto& requests = object(d, "requests");
  s.requests_in_flight = integer(requests, "in_flight");
  s.requests_total = integer(requests, "total");
  s.requests_per_second = number(requests, "per_second");
  s.server_errors_per_second = number(requests, "server_errors_per_second");
  s.latency_ms = read_quantiles(object(requests, "latency_ms"));
  const auto& cache = object(d, "cache");
  s.cache_kind = text(cache, "kind");
  s.cache_up = flag(cache, "up");
  if (const auto* r = field(cache, "hit_ratio"); r != nullptr && r->is_number())
    s.hit_ratio = number(cache, "hit_ratio");
  const auto& db = object(d, "database");
  s.database_kind = text(db, "kind");
  s.database_up = flag(db, "up");
  s.pool_size = integer(db, "pool_size");
  s.pool_in_use = integer(db, "pool_in_use");
  s.pool_queued = integer(db, "pool_queued");
  s.render_ms = number(d, "render_ms");
  for (const auto& a : array(d, "actors"))
    if (a.is_object())
      s.actors.push_back(read_actor(a.get_object()));
  return s;
}

stats_snapshot parse_stats(std::string_view text) {
  json::error_code ec;
  auto document = json::parse(text, ec);
  if (ec)
    throw std::runtime_error("the stats document is not JSON: "
                             + ec.message());
  return parse_stats(document);
}

std::string_view column_title(column c) {
  switch (c) {
    case column::name:
      return "ACTOR";
    case column::type:
      return "TYPE";
    case column::rate:
      return "MSG/S";
    case column::mailbox:
      return "MBOX";
    case column::peak:
      return "PEAK";
    case column::handler_p99:
      return "HANDLER99";
    case column::wait_p99:
      return "WAIT99";
    case column::errors:
      return "ERRORS";
    case column::state:
      return "STATE";
  }
  return "?";
}

void mailbox_history::record(const stats_snapshot& s) {
  std::map<std::string, std::deque<int64_t>> next;
  for (const auto& a : s.actors) {
    auto& d = next[a.name];
    if (auto it = depths_.find(a.name); it != depths_.end())
      d = std::move(it->second);
    d.push_back(a.mailbox);
    while (d.size() > depth)
      d.pop_front();
  }
  depths_ = std::move(next);
}

const std::deque<int64_t>& mailbox_history::of(const std::string& name) const {
  static const std::deque<int64_t> none;
  auto it = depths_.find(name);
  return it == depths_.end() ? none : it->second;
}

std::string_view mailbox_history::trend(const std::string& name) const {
  const auto& d = of(name);
  if (d.size() < 2)
    return "";
  auto last = d[d.size() - 1];
  auto before = d[d.size() - 2];
  return last > before ? "↑" : last < before ? "↓" : "→";
}

std::string mailbox_history::sparkline(const std::string& name) const {
  static constexpr std::array<std::string_view, 8> bars{
    "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  const auto& d = of(name);
  if (d.size() < 2)
    return "";
  auto top = std::max<int64_t>(1, *std::max_element(d.begin(), d.end()));
  std::string out;
  for (auto v : d) {
    auto i = v <= 0 ? 0 : (v * 7 + top - 1) / top;
    out += bars[static_cast<std::size_t>(std::clamp<int64_t>(i, 0, 7))];
  }
  return out;
}

std::vector<const actor_stats*> visible_actors(const stats_snapshot& s,
                                               std::string_view filter,
                                               sort_order order) {
  std::vector<const actor_stats*> rows;
  const auto needle = lower(filter);
  for (const auto& a : s.actors)
    if (needle.empty() || lower(a.name).find(needle) != std::string::npos)
      rows.push_back(&a);
  // Negative: a comes first in the column's natural order.
  auto compare = [&](const actor_stats& a, const actor_stats& b) -> int {
    auto cmp = [](auto x, auto y) { return x < y ? -1 : y < x ? 1 : 0; };
    switch (order.by) {
      case column::name:
        return 0;
      case column::type:
        return natural_compare(a.type, b.type);
      case column::rate:
        return -cmp(a.per_second, b.per_second);
      case column::mailbox:
        return -cmp(a.mailbox, b.mailbox);
      case column::peak:
        return -cmp(a.mailbox_peak_recent, b.mailbox_peak_recent);
      case column::handler_p99:
        return -cmp(a.handler_ms.p99, b.handler_ms.p99);
      case column::wait_p99:
        return -cmp(a.wait_ms.p99, b.wait_ms.p99);
      case column::errors:
        return -cmp(a.errors, b.errors);
      case column::state:
        return -cmp(std::make_tuple(state_rank(a.state), a.busy_ms),
                    std::make_tuple(state_rank(b.state), b.busy_ms));
    }
    return 0;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const actor_stats* a, const actor_stats* b) {
                     auto c = compare(*a, *b);
                     if (c == 0)
                       c = natural_compare(a->name, b->name);
                     return order.reversed ? c > 0 : c < 0;
                   });
  return rows;
}

std::string format_ms(double ms) {
  if (!(ms > 0))
    return "0ms";
  if (ms < 10)
    return printf_string("%.2fms", ms);
  if (ms < 1000)
    return printf_string("%.0fms", ms);
  if (ms < 60'000)
    return printf_string("%.2fs", ms / 1000);
  return format_uptime(ms / 1000);
}

std::string format_rate(double per_second) {
  if (!(per_second > 0))
    return "0";
  if (per_second < 10)
    return printf_string("%.2f", per_second);
  if (per_second < 10'000)
    return printf_string("%.1f", per_second);
  return printf_string("%.0f", per_second);
}

std::string format_uptime(double seconds) {
  auto s = static_cast<int64_t>(seconds < 0 ? 0 : seconds);
  std::array<char, 32> buf{};
  if (s < 60)
    std::snprintf(buf.data(), buf.size(), "%llds", static_cast<long long>(s));
  else if (s < 3600)
    std::snprintf(buf.data(), buf.size(), "%lldm%02llds",
                  static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buf.data(), buf.size(), "%lldh%02lldm",
                  static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  else
    std::snprintf(buf.data(), buf.size(), "%lldd%02lldh",
                  static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  return buf.data();
}

} // namespace memoryctl
