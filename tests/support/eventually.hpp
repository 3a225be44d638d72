#pragma once

// Waiting for a condition in tests: poll with a deadline, never sleep a
// fixed time and hope.

#include <chrono>
#include <thread>

namespace memoryd::test {

/// Calls `condition` until it returns true or `timeout` has passed, pausing
/// briefly between tries; returns whether it became true.
template <class Condition>
bool eventually(std::chrono::milliseconds timeout, Condition condition) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

} // namespace memoryd::test
