#pragma once

// The HTTP/1.1 front end: Beast on N io threads, each running an Asio
// io_context of its own, with connections handed to them in turn (a
// connection stays on its thread); keep-alive, header and body limits, a
// whole-request deadline and an idle timeout, X-Request-Id, the error
// envelope on every error path. Knows nothing of actors: each routed request
// goes to `dispatch` together with a responder that posts the answer back
// onto the connection's thread. The caller must call responder::respond exactly once (a responder
// dropped without answering sends a 500 envelope). With a TLS context it
// serves HTTPS only, the same way.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/api.hpp"
#include "net/access.hpp"
#include "net/tls.hpp"
#include "telemetry/http_metrics.hpp"

namespace memoryd::net {

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                     // 0: pick a free port
  std::size_t threads = 2;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 32 * 1024 * 1024;
  std::chrono::milliseconds request_timeout{30000};  // header start to response written
  std::chrono::milliseconds idle_timeout{60000};     // keep-alive wait for next request
  /// Open connections past which a new one is answered 503 and closed.
  std::size_t max_connections = 10000;
  /// Requests in flight past which a new one is answered 503 at once
  /// (/healthz, /readyz, /metrics and /admin/stats excepted).
  std::size_t max_in_flight = 1024;
  access_policy access;              // no tokens: open
  std::shared_ptr<tls_context> tls;  // set: HTTPS only (make_server_tls_context)
  /// Where responses are counted (by route_labels()); null: nowhere. Must
  /// outlive the server.
  telemetry::http_metrics* metrics = nullptr;
  /// Asked before each dispatch; null: every request is dispatched.
  /// Started with the io threads, stopped at shutdown.
  std::shared_ptr<direct_answers> direct;
};

/// Called on an Asio thread for every routed request; must not block.
/// `connection_id` is stable per connection (for pinning to a front actor).
using dispatch_function =
  std::function<void(uint64_t connection_id, api_request, responder_ptr)>;

class server {
public:
  server(server_options options, dispatch_function dispatch);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens; returns the bound port. Throws std::system_error.
  uint16_t listen();

  /// Starts the io threads and accepting; returns at once.
  void start();

  /// Stops accepting, lets in-flight requests finish for at most `grace`,
  /// closes every connection and joins the io threads.
  void shutdown(std::chrono::milliseconds grace);

  /// Requests currently between read and written response.
  std::size_t in_flight() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace memoryd::net
