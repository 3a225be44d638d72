#pragma once

// The reply handle handed to dispatch with each request: it carries the
// answer back to the connection the request came from, from any thread.
//
// It holds the connection weakly: a responder may outlive its connection
// (client gone, request answered by the deadline) and even the server (an
// actor still holding it at shutdown), and a strong reference would keep a
// socket alive beyond its io_context. The io_gate makes the post safe
// against the io_context being destroyed meanwhile.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/api.hpp"

namespace memoryd::net {

class http_session;
class io_gate;

class http_responder final : public responder {
public:
  http_responder(std::weak_ptr<http_session> session, uint64_t seq,
                 std::shared_ptr<io_gate> gate, std::string request_id);

  /// Answers 500 "request was dropped" if respond() was never called.
  ~http_responder() override;

  http_responder(const http_responder&) = delete;
  http_responder& operator=(const http_responder&) = delete;

  /// Posts `response` onto the connection's io thread; calls after the first
  /// are ignored. Does nothing when the connection or server is gone.
  void respond(api_response response) override;

private:
  void deliver(api_response response);

  std::weak_ptr<http_session> session_;
  uint64_t seq_;
  std::shared_ptr<io_gate> gate_;
  std::string request_id_;
  std::atomic<bool> answered_{false};
};

} // namespace memoryd::net
