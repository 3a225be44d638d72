#pragma once

// The real memoryd binary as a child process, for end-to-end tests: started
// with the test's environment plus overrides, its log in a file, its port
// read from the log line it prints once listening (LISTEN_ADDRESS port 0).
// The destructor kills it whatever happened in the test.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace memoryd::test {

/// Path of the memoryd binary under test (set by CMake).
std::string memoryd_binary();

class daemon_process {
public:
  using environment = std::map<std::string, std::string>;

  /// Starts memoryd with `env` added to (and overriding) this process's
  /// environment; LISTEN_ADDRESS defaults to 127.0.0.1:0. Waits until it
  /// listens; throws std::runtime_error with its log (and exit code) when it
  /// exits or does not listen within `timeout`.
  explicit daemon_process(environment env,
                          std::chrono::milliseconds timeout = std::chrono::seconds{30});

  /// Tag of the constructor that does not wait.
  struct no_wait_t {};
  static constexpr no_wait_t no_wait{};

  /// Starts memoryd like the other constructor but returns at once, so a
  /// test can watch its start-up; port() is 0 until wait_until_listening().
  daemon_process(environment env, no_wait_t);

  /// Waits until the log names the port; throws std::runtime_error with the
  /// log when memoryd exits or does not listen within `timeout`.
  void wait_until_listening(std::chrono::milliseconds timeout);
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  /// SIGTERM, then wait up to `timeout` for the exit; returns the exit code
  /// (or 128 + signal), nullopt when it did not exit in time (it is then
  /// killed).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds{20});

  /// SIGKILL and reap: a crash, as far as the daemon can tell.
  void kill();

  /// Everything it logged so far.
  std::string log() const;

private:
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

} // namespace memoryd::test
