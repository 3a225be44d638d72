#pragma once

// A private redis-server child for tests that kill, stop or restart Redis
// under a client. Whatever happens in the test, the destructor kills and
// reaps it, and the child dies with the test process if that crashes.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace memoryd::test {

class redis_process {
public:
  /// Starts redis-server on a free loopback port (another one if that turns
  /// out taken) and returns once it answers. A non-empty `requirepass`
  /// protects the default user. Its directory is a private one: it saves
  /// nothing by itself, but a SAVE sent by the test is loaded again by
  /// restart(), as from an RDB snapshot. Throws std::runtime_error when it
  /// cannot.
  explicit redis_process(std::string requirepass = {});
  ~redis_process();
  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;

  uint16_t port() const;

  /// SIGKILL, then reap: the port is closed when this returns.
  void kill();
  /// Starts it again on the same port and waits until it answers; throws
  /// std::runtime_error when it does not come up.
  void restart();
  /// SIGSTOP: the kernel still accepts connections, nobody answers.
  void pause();
  /// SIGCONT.
  void resume();

private:
  /// Spawns on port_ and waits until it answers; false when it exited (port
  /// taken) or did not answer in time.
  bool start();
  void signal(int sig);

  std::string requirepass_;
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

} // namespace memoryd::test
