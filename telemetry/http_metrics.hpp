#pragma once

// Requests by route and status code, and their latency by route: what net/
// counts as it writes each response. Routes are a fixed list (labels stay
// bounded), with one more for requests that matched none.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "telemetry/histogram.hpp"

namespace memoryd::telemetry {

struct route_label {
  std::string method;  // "GET"
  std::string route;   // "/api/sessions/{session_id}"
};

class http_metrics {
public:
  /// Status codes 100..599 are counted one by one; others as 599.
  static constexpr unsigned first_status = 100;
  static constexpr unsigned last_status = 599;

  explicit http_metrics(std::vector<route_label> routes);

  /// The index of requests that matched no route (also its label's).
  std::size_t unmatched() const noexcept { return labels_.size() - 1; }

  const std::vector<route_label>& labels() const noexcept { return labels_; }

  /// One response of `route` (an index into labels()), `ns` after the
  /// request began.
  void record(std::size_t route, unsigned status, int64_t ns) noexcept;

  uint64_t count(std::size_t route, unsigned status) const noexcept;

  log_histogram& latency(std::size_t route) noexcept {
    return routes_[route].latency;
  }
  const log_histogram& latency(std::size_t route) const noexcept {
    return routes_[route].latency;
  }

  /// Requests between their first byte and their written response, kept by
  /// the server.
  std::atomic<int64_t> in_flight{0};

private:
  struct per_route {
    std::array<std::atomic<uint64_t>, last_status - first_status + 1> by_status{};
    log_histogram latency;
  };

  std::vector<route_label> labels_;
  std::unique_ptr<per_route[]> routes_;
};

} // namespace memoryd::telemetry
