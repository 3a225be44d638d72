#pragma once

// What a server shares with its connections: options, the dispatch
// function, the draining flag, the in-flight count that shutdown waits on,
// and the registry of live connections. Free of Asio, so it can be included
// anywhere in net/.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/io_gate.hpp"
#include "net/server.hpp"

namespace memoryd::net {

class http_session;

/// Counts requests from their first byte to their written response.
class in_flight_counter {
public:
  /// One counted request; uncounts itself when destroyed.
  class token {
  public:
    explicit token(in_flight_counter& counter);
    ~token();
    token(const token&) = delete;
    token& operator=(const token&) = delete;

  private:
    in_flight_counter& counter_;
  };

  std::size_t count() const noexcept {
    return count_.load();
  }

  /// A gauge kept equal to the count (the metrics'), or null.
  std::atomic<int64_t>* gauge = nullptr;

  /// Blocks until the count is zero or `timeout` passed; true on zero.
  bool wait_for_zero(std::chrono::milliseconds timeout);

private:
  std::atomic<std::size_t> count_{0};
  std::mutex mutex_;
  std::condition_variable zero_;
};

/// The live connections, for shutdown to reach them. Holds weak references:
/// a connection lives only as long as its pending operations.
class session_registry {
public:
  void add(uint64_t id, std::weak_ptr<http_session> session);
  void remove(uint64_t id);

  /// The connections still alive, to act on outside the lock.
  std::vector<std::shared_ptr<http_session>> live() const;

  /// How many are open.
  std::size_t size() const;

private:
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, std::weak_ptr<http_session>> sessions_;
};

struct server_state {
  server_state(server_options opts, dispatch_function fn)
    : options(std::move(opts)), dispatch(std::move(fn)) {
    if (options.metrics)
      in_flight.gauge = &options.metrics->in_flight;
  }

  const server_options options;
  const dispatch_function dispatch;

  /// Set by shutdown: answer with `Connection: close`, read no new request.
  std::atomic<bool> draining{false};

  in_flight_counter in_flight;
  session_registry sessions;
  std::atomic<uint64_t> next_connection_id{1};

  /// Shared with responders, which may outlive the server.
  std::shared_ptr<io_gate> gate = std::make_shared<io_gate>();
};

} // namespace memoryd::net
