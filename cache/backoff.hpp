#pragma once

// Exponential reconnect backoff with equal jitter, shared by the Redis
// clients: a random wait in [backoff/2, backoff], so that clients that
// failed together do not come back together; never below the floor.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace memoryd::cache {

class backoff {
public:
  backoff(std::chrono::milliseconds floor, std::chrono::milliseconds ceiling)
    : floor_(floor), ceiling_(ceiling) {
    // nop
  }

  /// The wait after one more failure in a row.
  std::chrono::milliseconds next() {
    current_ = current_.count() == 0 ? floor_ : std::min(current_ * 2, ceiling_);
    thread_local std::minstd_rand rng{std::random_device{}()};
    std::uniform_int_distribution<int64_t> half{0, current_.count() / 2};
    return std::max(current_ - std::chrono::milliseconds{half(rng)}, floor_);
  }

  /// A success: the next failure waits the floor again.
  void reset() {
    current_ = std::chrono::milliseconds{0};
  }

private:
  std::chrono::milliseconds floor_;
  std::chrono::milliseconds ceiling_;
  std::chrono::milliseconds current_{0};
};

} // namespace memoryd::cache
