#pragma once

// The daemon of the hostile-input tests: the e2e backend with short request
// and idle timeouts, so that a deadline is reached within seconds.

#include <chrono>

#include "tests/support/daemon_process.hpp"

namespace memoryd::test {

/// REQUEST_TIMEOUT_MS and IDLE_TIMEOUT_MS of hostile_daemon().
inline constexpr std::chrono::milliseconds hostile_request_timeout{3000};
inline constexpr std::chrono::milliseconds hostile_idle_timeout{3000};

/// Started on first use, shared by the program's tests.
daemon_process& hostile_daemon();

} // namespace memoryd::test
