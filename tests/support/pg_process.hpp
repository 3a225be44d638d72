#pragma once

// A private PostgreSQL cluster for tests that stop, restart or otherwise
// break the database under a running memoryd (the shared one of
// scripts/with-services.sh serves other tests at the same time). initdb in
// a temporary directory, pg_ctl on a free loopback port; the destructor
// stops it and removes the directory.

#include <cstdint>
#include <filesystem>
#include <string>

namespace memoryd::test {

class pg_process {
public:
  /// initdb and start; throws std::runtime_error with the log when it
  /// cannot.
  pg_process();
  ~pg_process();
  pg_process(const pg_process&) = delete;
  pg_process& operator=(const pg_process&) = delete;

  uint16_t port() const { return port_; }

  /// postgresql://memoryd@127.0.0.1:<port>/<database>
  std::string url(const std::string& database = "postgres") const;

  /// Creates a database and returns its url().
  std::string create_database(const std::string& name);

  /// pg_ctl stop -m fast: sessions are terminated, open transactions
  /// rolled back; returns once it is down.
  void stop();
  /// Starts it again on the same port; throws when it does not come up.
  void start();

private:
  std::string pg_ctl(const std::string& args) const;

  std::filesystem::path dir_;
  std::string bin_;
  uint16_t port_ = 0;
};

} // namespace memoryd::test
