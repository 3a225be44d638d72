#pragma once

// What one actor instance tells about itself, counted by hand in our own
// message handling (CAF 0.17 as Debian builds it has no profiler hooks, and
// a mailbox may be read only by its own actor):
// - senders count each request they enqueue (`enqueued`), stamped with the
//   time it was sent, which travels in the message (`trace`);
// - the actor counts each request it takes (`begin`/`end`, or a `handling`
//   scope): the wait since it was sent, the time in the handler, what it is
//   doing now and for which HTTP request, and its slowest recent messages.
// Mailbox depth is requests enqueued minus taken. Everything is a relaxed
// atomic or a seqlock cell: the hot path takes no lock and allocates nothing.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/histogram.hpp"
#include "telemetry/seqlock_cell.hpp"

namespace memoryd::telemetry {

enum class actor_kind : uint8_t {
  event_based,  // on CAF's cooperative scheduler
  detached,     // its own thread: may block (SOCI, hiredis)
};

std::string_view to_string(actor_kind kind);

/// A request the actor handled, for the drill-down of `memoryctl top`.
struct message_record {
  short_text request_id;
  const char* what = "";  // the message's name (a string literal)
  int64_t handler_ns = 0;
  int64_t wait_ns = 0;
  int64_t at_ns = 0;      // when it finished (telemetry::now_ns)
};

/// What the actor is doing now.
struct current_message {
  short_text request_id;
  const char* what = "";
  int64_t sent_ns = 0;
  int64_t since_ns = 0;   // 0: idle
};

/// One consistent-enough reading of a probe (each field is exact; they are
/// read one after another, not in one instant).
struct probe_reading {
  uint64_t handled = 0;
  uint64_t errors = 0;
  int64_t mailbox = 0;
  int64_t mailbox_peak = 0;       // since the start
  int64_t oldest_queued_ns = 0;   // enqueue time of the oldest waiting
                                  // request, 0: none
  int64_t last_active_ns = 0;     // when it last took or finished one
  current_message current;
  histogram_counts handler;
  histogram_counts wait;
};

class actor_probe {
public:
  /// How many of its slowest recent messages an actor keeps.
  static constexpr std::size_t slow_slots = 8;
  /// A slow message is forgotten after this long (ns).
  static constexpr int64_t slow_memory_ns = int64_t{60} * 1000 * 1000 * 1000;

  actor_probe(std::string name, std::string type, actor_kind kind);

  const std::string& name() const noexcept { return name_; }
  const std::string& type() const noexcept { return type_; }
  actor_kind kind() const noexcept { return kind_; }

  // -- senders (any thread) --------------------------------------------------

  /// A request to this actor is being sent now.
  void enqueued(int64_t now_ns) noexcept;

  // -- the actor itself ------------------------------------------------------

  /// Takes a request sent at `sent_ns` on behalf of `request_id`.
  void begin(std::string_view request_id, int64_t sent_ns, const char* what,
             int64_t now_ns) noexcept;
  /// Done with the request begun last.
  void end(int64_t now_ns) noexcept;
  /// The request failed (answered with an error).
  void failed() noexcept {
    errors_.fetch_add(1, std::memory_order_relaxed);
  }

  // -- readers (any thread) --------------------------------------------------

  /// Requests enqueued and not yet finished (queued or in hand).
  int64_t pending() const noexcept {
    auto enqueued = enqueued_.load(std::memory_order_relaxed);
    auto handled = handled_.load(std::memory_order_relaxed);
    return enqueued > handled ? static_cast<int64_t>(enqueued - handled) : 0;
  }

  probe_reading read() const noexcept;

  /// The slowest requests that finished within slow_memory_ns, slowest
  /// first.
  std::vector<message_record> slowest(int64_t now_ns) const;

  /// The largest mailbox since the last take (for the sampler's window).
  int64_t take_mailbox_peak() noexcept {
    return window_peak_.exchange(0, std::memory_order_relaxed);
  }

  log_histogram& handler_histogram() noexcept { return handler_; }
  log_histogram& wait_histogram() noexcept { return wait_; }
  const log_histogram& handler_histogram() const noexcept { return handler_; }
  const log_histogram& wait_histogram() const noexcept { return wait_; }

private:
  static constexpr std::size_t stamp_slots = 256;  // a power of two

  const std::string name_;
  const std::string type_;
  const actor_kind kind_;

  std::atomic<uint64_t> enqueued_{0};
  std::atomic<uint64_t> taken_{0};
  std::atomic<uint64_t> handled_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> window_peak_{0};
  std::atomic<int64_t> last_active_ns_{0};
  // Enqueue times by sequence number, for the age of the oldest waiting
  // request while the actor takes none.
  std::array<std::atomic<int64_t>, stamp_slots> stamps_{};

  seqlock_cell<current_message> current_;
  int64_t current_start_ns_ = 0;  // the actor's own copy
  int64_t current_wait_ns_ = 0;
  short_text current_id_;
  const char* current_what_ = "";

  std::array<seqlock_cell<message_record>, slow_slots> slow_;
  std::array<int64_t, slow_slots> slow_ns_{};     // the actor's own copy
  std::array<int64_t, slow_slots> slow_at_ns_{};  // of each slot's figures

  log_histogram handler_;
  log_histogram wait_;
};

/// Begins a request on construction and ends it on destruction: the time in
/// between is the handler's. A null probe measures nothing.
class handling {
public:
  handling(actor_probe* probe, std::string_view request_id, int64_t sent_ns,
           const char* what) noexcept;
  ~handling();
  handling(const handling&) = delete;
  handling& operator=(const handling&) = delete;

private:
  actor_probe* probe_;
};

} // namespace memoryd::telemetry
