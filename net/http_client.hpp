#pragma once

// A small synchronous HTTP/1.1 client over one keep-alive connection, for
// memoryctl and the tests (never used inside the daemon, where nothing may
// block). Reconnects once when the server closed an idle connection. Speaks
// HTTPS (TLS 1.2+) with the server's certificate verified: it must chain up
// to a trusted CA and name the host connected to, by DNS name or IP address
// in its subjectAltName (SNI is sent for names).

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
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

/// Where a client connects, as parse_endpoint() reads it.
struct endpoint {
  std::string scheme = "http";  // "http" or "https"
  std::string host;
  uint16_t port = 0;
};

/// The TLS handshake failed: the server's certificate is not trusted or not
/// for this host, or there is no protocol both sides speak. what() says which.
struct tls_handshake_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class http_client {
public:
  /// Plain HTTP to host:port.
  http_client(std::string host, uint16_t port,
              std::chrono::milliseconds timeout = std::chrono::seconds{30});

  /// HTTP or HTTPS as `where.scheme` says. HTTPS trusts the CAs in the PEM
  /// file `ca_file`, or the system's default ones when it is empty; a bad
  /// file throws std::invalid_argument.
  http_client(endpoint where, const std::string& ca_file,
              std::chrono::milliseconds timeout = std::chrono::seconds{30});
  ~http_client();
  http_client(http_client&&) noexcept;
  http_client& operator=(http_client&&) noexcept;

  /// Sends one request and reads the answer. Throws std::system_error on
  /// connection trouble, tls_handshake_error when the server is not trusted.
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

/// Splits "host:port", "http://host:port" or "https://host:port" (scheme
/// http when none is given); throws std::invalid_argument.
endpoint parse_endpoint(std::string_view url);

} // namespace memoryd::net
