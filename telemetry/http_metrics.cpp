#include "telemetry/http_metrics.hpp"

#include <algorithm>

namespace memoryd::telemetry {

namespace {

std::size_t status_index(unsigned status) {
  return std::clamp(status, http_metrics::first_status,
                    http_metrics::last_status)
         - http_metrics::first_status;
}

} // namespace

http_metrics::http_metrics(std::vector<route_label> routes)
  : labels_(std::move(routes)) {
  labels_.push_back({"other", "unmatched"});
  routes_ = std::make_unique<per_route[]>(labels_.size());
}

void http_metrics::record(std::size_t route, unsigned status,
                          int64_t ns) noexcept {
  if (route >= labels_.size())
    route = unmatched();
  routes_[route].by_status[status_index(status)].fetch_add(
    1, std::memory_order_relaxed);
  routes_[route].latency.observe(ns);
}

uint64_t http_metrics::count(std::size_t route, unsigned status) const noexcept {
  return routes_[route].by_status[status_index(status)].load(
    std::memory_order_relaxed);
}

} // namespace memoryd::telemetry
