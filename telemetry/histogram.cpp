#include "telemetry/histogram.hpp"

#include <algorithm>
#include <bit>

namespace memoryd::telemetry {

namespace {

std::size_t bucket_of(int64_t ns) {
  if (ns <= 1000)
    return 0;
  auto width = std::bit_width(static_cast<uint64_t>((ns - 1) / 1000));
  return std::min<std::size_t>(static_cast<std::size_t>(width),
                               histogram_buckets - 1);
}

} // namespace

uint64_t histogram_counts::count() const {
  uint64_t n = 0;
  for (auto b : buckets)
    n += b;
  return n;
}

histogram_counts
histogram_counts::since(const histogram_counts& earlier) const {
  histogram_counts out;
  for (std::size_t i = 0; i < histogram_buckets; ++i)
    out.buckets[i] = buckets[i] >= earlier.buckets[i]
                       ? buckets[i] - earlier.buckets[i]
                       : 0;
  out.sum_ns = std::max<int64_t>(0, sum_ns - earlier.sum_ns);
  return out;
}

double histogram_counts::quantile_ns(double q, int64_t max_ns) const {
  const auto total = count();
  if (total == 0)
    return 0;
  const double rank = q * static_cast<double>(total);
  double seen = 0;
  for (std::size_t i = 0; i < histogram_buckets; ++i) {
    if (buckets[i] == 0)
      continue;
    const double next = seen + static_cast<double>(buckets[i]);
    if (next >= rank) {
      const auto below = i == 0 ? int64_t{0} : bucket_upper_ns(i - 1);
      const double lower = static_cast<double>(below);
      // The last bucket has no bound of its own: the maximum is it.
      double upper = static_cast<double>(
        i + 1 == histogram_buckets ? std::max(max_ns, below)
                                   : bucket_upper_ns(i));
      if (max_ns > 0)
        upper = std::min(upper, std::max(lower, static_cast<double>(max_ns)));
      const double within = (rank - seen) / static_cast<double>(buckets[i]);
      return lower + (upper - lower) * within;
    }
    seen = next;
  }
  return static_cast<double>(max_ns);
}

void log_histogram::observe(int64_t ns) noexcept {
  ns = std::max<int64_t>(ns, 0);
  buckets_[bucket_of(ns)].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  raise_to(max_ns_, ns);
}

histogram_counts log_histogram::read() const noexcept {
  histogram_counts out;
  for (std::size_t i = 0; i < histogram_buckets; ++i)
    out.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
  out.sum_ns = sum_ns_.load(std::memory_order_relaxed);
  return out;
}

} // namespace memoryd::telemetry
