#pragma once

// A small synchronous HTTP/1.1 client over one keep-alive connection, for
// memoryctl and the tests (never used inside the daemon, where nothing may
// block). Reconnects once when the server closed an idle connection.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memoryd::net {

struct http_result {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header named `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

class http_client {
public:
  http_client(std::string host, uint16_t port,
              std::chrono::milliseconds timeout = std::chrono::seconds{30});
  ~http_client();
  http_client(http_client&&) noexcept;
  http_client& operator=(http_client&&) noexcept;

  /// Sends one request and reads the answer. Throws std::system_error on
  /// connection trouble.
  http_result request(std::string_view method, std::string_view target,
                      std::string_view body = {},
                      const std::vector<std::pair<std::string, std::string>>&
                        headers = {});

  http_result get(std::string_view target) { return request("GET", target); }

  /// Sends `Authorization: Bearer <token>` with every request (none when
  /// empty).
  void set_bearer_token(std::string token);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Splits "host:port" or "http://host:port"; throws std::invalid_argument.
std::pair<std::string, uint16_t> parse_endpoint(std::string_view endpoint);

} // namespace memoryd::net
