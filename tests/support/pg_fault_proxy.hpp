#pragma once

// A TCP proxy in front of PostgreSQL that can lose a COMMIT's answer: armed,
// it lets the next simple-query COMMIT through, waits for the server's
// answer (so the commit did happen), drops that answer and cuts the
// client's connection. The client then cannot know whether its commit
// went through: the ambiguous commit every retrying writer must survive.
// Otherwise it passes bytes through unchanged. Loopback only.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace memoryd::test {

class pg_fault_proxy {
public:
  /// Listens on 127.0.0.1 (a free port) for connections to forward to
  /// `upstream_port` on 127.0.0.1.
  explicit pg_fault_proxy(uint16_t upstream_port);
  ~pg_fault_proxy();
  pg_fault_proxy(const pg_fault_proxy&) = delete;
  pg_fault_proxy& operator=(const pg_fault_proxy&) = delete;

  uint16_t port() const { return port_; }

  /// The next `n` COMMITs (on any connection) lose their answer.
  void cut_next_commits(int n) { armed_ = n; }

  /// How many COMMIT answers were dropped so far.
  int commits_cut() const { return cut_.load(); }

  /// `url` (postgresql://user@127.0.0.1:<pg>/db...) through this proxy,
  /// without SSL or GSS negotiation (plain startup, simple to follow).
  std::string proxied_url(const std::string& url) const;

private:
  struct connection;

  void accept_loop();
  void serve(std::shared_ptr<connection> c);

  uint16_t upstream_port_;
  uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> armed_{0};
  std::atomic<int> cut_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<connection>> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

} // namespace memoryd::test
