#pragma once

// One monotonic clock for every figure: nanoseconds since an arbitrary
// epoch, cheap to read (vDSO) and to store in an atomic.

#include <chrono>
#include <cstdint>

namespace memoryd::telemetry {

inline int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace memoryd::telemetry
