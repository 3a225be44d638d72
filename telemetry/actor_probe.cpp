#include "telemetry/actor_probe.hpp"

#include <algorithm>

#include "telemetry/clock.hpp"

namespace memoryd::telemetry {

std::string_view to_string(actor_kind kind) {
  return kind == actor_kind::detached ? "detached" : "event-based";
}

actor_probe::actor_probe(std::string name, std::string type, actor_kind kind)
  : name_(std::move(name)), type_(std::move(type)), kind_(kind) {
  // nop
}

void actor_probe::enqueued(int64_t now_ns) noexcept {
  auto seq = enqueued_.fetch_add(1, std::memory_order_relaxed);
  stamps_[seq & (stamp_slots - 1)].store(now_ns, std::memory_order_relaxed);
  auto depth = static_cast<int64_t>(seq + 1
                                    - taken_.load(std::memory_order_relaxed));
  raise_to(peak_, depth);
  raise_to(window_peak_, depth);
}

void actor_probe::begin(std::string_view request_id, int64_t sent_ns,
                        const char* what, int64_t now_ns) noexcept {
  taken_.fetch_add(1, std::memory_order_relaxed);
  last_active_ns_.store(now_ns, std::memory_order_relaxed);
  current_start_ns_ = now_ns;
  current_wait_ns_ = sent_ns > 0 ? now_ns - sent_ns : 0;
  current_id_ = short_text::of(request_id);
  current_what_ = what;
  wait_.observe(current_wait_ns_);
  current_.store({current_id_, what, sent_ns, now_ns});
}

void actor_probe::end(int64_t now_ns) noexcept {
  const auto took = now_ns - current_start_ns_;
  handled_.fetch_add(1, std::memory_order_relaxed);
  last_active_ns_.store(now_ns, std::memory_order_relaxed);
  handler_.observe(took);
  current_.store({});
  // Replace the fastest (or a forgotten) one of the slowest kept.
  std::size_t slot = 0;
  int64_t weakest = INT64_MAX;
  for (std::size_t i = 0; i < slow_slots; ++i) {
    auto kept = now_ns - slow_at_ns_[i] > slow_memory_ns ? 0 : slow_ns_[i];
    if (kept < weakest) {
      weakest = kept;
      slot = i;
    }
  }
  if (took <= weakest)
    return;
  slow_ns_[slot] = took;
  slow_at_ns_[slot] = now_ns;
  slow_[slot].store({current_id_, current_what_, took, current_wait_ns_, now_ns});
}

probe_reading actor_probe::read() const noexcept {
  probe_reading out;
  out.handled = handled_.load(std::memory_order_relaxed);
  out.errors = errors_.load(std::memory_order_relaxed);
  const auto taken = taken_.load(std::memory_order_relaxed);
  const auto enqueued = enqueued_.load(std::memory_order_relaxed);
  out.mailbox = enqueued > taken ? static_cast<int64_t>(enqueued - taken) : 0;
  out.mailbox_peak = peak_.load(std::memory_order_relaxed);
  if (out.mailbox > 0 && out.mailbox < static_cast<int64_t>(stamp_slots))
    out.oldest_queued_ns
      = stamps_[taken & (stamp_slots - 1)].load(std::memory_order_relaxed);
  out.last_active_ns = last_active_ns_.load(std::memory_order_relaxed);
  out.current = current_.load();
  out.handler = handler_.read();
  out.wait = wait_.read();
  return out;
}

std::vector<message_record> actor_probe::slowest(int64_t now_ns) const {
  std::vector<message_record> out;
  for (const auto& cell : slow_) {
    auto record = cell.load();
    if (record.at_ns > 0 && now_ns - record.at_ns <= slow_memory_ns)
      out.push_back(record);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.handler_ns > b.handler_ns;
  });
  return out;
}

handling::handling(actor_probe* probe, std::string_view request_id,
                   int64_t sent_ns, const char* what) noexcept
  : probe_(probe) {
  if (probe_)
    probe_->begin(request_id, sent_ns, what, now_ns());
}

handling::~handling() {
  if (probe_)
    probe_->end(now_ns());
}

} // namespace memoryd::telemetry
