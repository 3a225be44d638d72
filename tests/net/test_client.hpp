#pragma once

// A small client for the server tests: Beast messages or raw bytes over one
// connection, every wait bounded by a timeout (a broken server fails a test
// instead of hanging it), and helpers to poll for a condition.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace memoryd::test {

using http_request =
  boost::beast::http::request<boost::beast::http::string_body>;
using http_response =
  boost::beast::http::response<boost::beast::http::string_body>;

/// Polls `condition` every few milliseconds until it holds or `timeout`
/// passed; returns its last value.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds{5});

/// A GET or other request with Host set, HTTP/1.1, keep-alive.
http_request make_request(boost::beast::http::verb method,
                          std::string_view target, std::string body = {});

class test_client {
public:
  static constexpr auto default_timeout = std::chrono::seconds{5};

  /// Connects to 127.0.0.1:`port`; throws on failure.
  explicit test_client(uint16_t port);

  /// Whether a connection to 127.0.0.1:`port` is refused.
  static bool refused(uint16_t port);

  /// Sends `req` (Content-Length set from its body unless chunked).
  void send(http_request req);

  /// Sends bytes as they are.
  void send_raw(std::string_view bytes);

  /// Reads one response; a failure or timeout is reported in `ec`.
  http_response receive(boost::beast::error_code& ec,
                        std::chrono::milliseconds timeout = default_timeout);

  /// Reads one response; throws on failure or timeout.
  http_response receive();

  /// send() then receive().
  http_response roundtrip(http_request req);

  /// Reads and discards until the server closes the connection (true) or
  /// `timeout` passed (false).
  bool closed_by_server(std::chrono::milliseconds timeout = default_timeout);

private:
  /// Runs the pending asynchronous operation to completion.
  void run();

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

} // namespace memoryd::test
