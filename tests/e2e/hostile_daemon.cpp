#include "tests/e2e/hostile_daemon.hpp"

#include <string>

#include "tests/e2e/backend.hpp"

namespace memoryd::test {

daemon_process& hostile_daemon() {
  static daemon_process daemon{[] {
    auto env = make_backend().env;
    env["REQUEST_TIMEOUT_MS"] = std::to_string(hostile_request_timeout.count());
    env["IDLE_TIMEOUT_MS"] = std::to_string(hostile_idle_timeout.count());
    return env;
  }()};
  return daemon;
}

} // namespace memoryd::test
