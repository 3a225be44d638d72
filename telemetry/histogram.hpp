#pragma once

// A latency histogram with power-of-two buckets: an observation is three
// relaxed atomic adds and a compare-exchange for the maximum, with no lock
// and no allocation, so that every actor and route can afford one.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace memoryd::telemetry {

/// Bucket i holds durations up to 1 µs · 2^i (1 µs … 8.4 s); the last one
/// everything above.
inline constexpr std::size_t histogram_buckets = 25;

/// Upper bound of bucket `i` in nanoseconds; the last bucket has none.
constexpr int64_t bucket_upper_ns(std::size_t i) {
  return int64_t{1000} << i;
}

/// A plain copy of a histogram, to subtract and to ask for quantiles.
struct histogram_counts {
  std::array<uint64_t, histogram_buckets> buckets{};
  int64_t sum_ns = 0;

  uint64_t count() const;

  /// The observations since `earlier` (a copy of the same histogram).
  histogram_counts since(const histogram_counts& earlier) const;

  /// The q-quantile (0 < q ≤ 1) in nanoseconds, interpolated linearly
  /// inside its bucket; 0 without observations. Never above `max_ns` when
  /// that is given (the true maximum beats a bucket's upper bound).
  double quantile_ns(double q, int64_t max_ns = 0) const;
};

class log_histogram {
public:
  void observe(int64_t ns) noexcept;

  histogram_counts read() const noexcept;

  /// The largest observation since the last take, and starts over (the
  /// stats sampler takes it once a second for its window).
  int64_t take_max_ns() noexcept {
    return max_ns_.exchange(0, std::memory_order_relaxed);
  }

  int64_t max_ns() const noexcept {
    return max_ns_.load(std::memory_order_relaxed);
  }

private:
  std::array<std::atomic<uint64_t>, histogram_buckets> buckets_{};
  std::atomic<int64_t> sum_ns_{0};
  std::atomic<int64_t> max_ns_{0};
};

/// Raises `target` to `value` if that is larger.
inline void raise_to(std::atomic<int64_t>& target, int64_t value) noexcept {
  auto seen = target.load(std::memory_order_relaxed);
  while (value > seen
         && !target.compare_exchange_weak(seen, value,
                                          std::memory_order_relaxed)) {
  }
}

} // namespace memoryd::telemetry
