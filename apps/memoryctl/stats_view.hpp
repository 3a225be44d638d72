#pragma once

// The daemon's GET /admin/stats document as memoryctl top shows it: parsed
// into plain structs (fields the daemon does not send read as zero or
// empty), and the per-actor rows sorted, filtered and given a mailbox trend.
// No I/O here: screen.hpp renders, top.cpp fetches and reads keys.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace memoryctl {

struct quantiles {
  double p50 = 0;
  double p99 = 0;
  double max = 0;
};

/// One of an actor's slowest messages of the last minute.
struct slow_message {
  std::string request_id;
  std::string message;
  double handler_ms = 0;
  double wait_ms = 0;
  double ago_ms = 0;
};

/// One actor instance, as /admin/stats reports it.
struct actor_stats {
  std::string name;
  std::string type;
  std::string kind;   // event-based | detached
  std::string state;  // idle | busy | stalled
  int64_t messages = 0;
  double per_second = 0;
  int64_t errors = 0;
  double errors_per_second = 0;
  int64_t mailbox = 0;
  int64_t mailbox_peak = 0;         // since start
  int64_t mailbox_peak_recent = 0;  // over the window
  quantiles handler_ms;
  quantiles wait_ms;
  double busy_ms = 0;
  std::string doing;
  std::string request_id;
  int64_t waiting_requests = 0;
  double oldest_wait_ms = 0;
  std::vector<slow_message> slowest;

  bool stalled() const { return state == "stalled"; }
};

/// The whole document.
struct stats_snapshot {
  std::string version;
  double uptime_seconds = 0;
  double window_seconds = 0;
  double stall_after_ms = 0;
  int64_t requests_in_flight = 0;
  int64_t requests_total = 0;
  double requests_per_second = 0;
  double server_errors_per_second = 0;
  quantiles latency_ms;
  std::string cache_kind;
  bool cache_up = false;
  std::optional<double> hit_ratio;  // none: no lookups in the window
  std::string database_kind;
  bool database_up = false;
  int64_t pool_size = 0;
  int64_t pool_in_use = 0;
  int64_t pool_queued = 0;
  double render_ms = 0;
  std::vector<actor_stats> actors;
};

/// Reads the document; throws std::runtime_error when it is not a JSON
/// object. Missing or mistyped fields keep their defaults.
stats_snapshot parse_stats(const boost::json::value& document);

/// Parses text first; throws std::runtime_error when it is not JSON.
stats_snapshot parse_stats(std::string_view text);

// -- the actor table ---------------------------------------------------------

/// The table's columns, in screen order; each one sorts.
enum class column {
  name,
  type,
  rate,
  mailbox,
  peak,
  handler_p99,
  wait_p99,
  errors,
  state,
};

inline constexpr std::size_t column_count = 9;

/// Its heading on screen ("MSG/S").
std::string_view column_title(column c);

/// The order rows take by default: a column's natural direction (names A→Z,
/// numbers and states largest or worst first); `reversed` flips it.
struct sort_order {
  column by = column::state;
  bool reversed = false;
};

/// The mailbox depths of the last frames, per actor name.
class mailbox_history {
public:
  static constexpr std::size_t depth = 8;

  /// Appends each actor's depth; forgets actors that are gone.
  void record(const stats_snapshot& s);

  /// The depths of `name`, oldest first (empty when unknown).
  const std::deque<int64_t>& of(const std::string& name) const;

  /// ↑, ↓ or → comparing the last two frames; "" before a second frame.
  std::string_view trend(const std::string& name) const;

  /// A sparkline of the depths ("▁▃█"), scaled to their maximum; "" before
  /// a second frame.
  std::string sparkline(const std::string& name) const;

private:
  std::map<std::string, std::deque<int64_t>> depths_;
};

/// Compares names with their numbers as numbers: redis-2 before redis-10.
/// Negative, zero or positive like strcmp.
int natural_compare(std::string_view a, std::string_view b);

/// The actors to show: those whose name contains `filter` (case-insensitive;
/// all when empty), in `order`, ties by name (natural_compare).
std::vector<const actor_stats*> visible_actors(const stats_snapshot& s,
                                               std::string_view filter,
                                               sort_order order);

// -- formatting ----------------------------------------------------------------

/// 0.41ms, 3.2ms, 812ms, 5.01s
std::string format_ms(double ms);

/// 0.00, 9.87, 812.4, 12345
std::string format_rate(double per_second);

/// 45s, 2m03s, 3h04m, 2d03h
std::string format_uptime(double seconds);

} // namespace memoryctl
