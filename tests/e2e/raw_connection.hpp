#pragma once

// A TCP connection to the daemon that sends bytes exactly as given (any
// framing, any garbage, a byte at a time) and reads what comes back with a
// bounded wait, then splits it into HTTP responses. For the hostile-input
// tests: no HTTP library that would refuse to send what they send.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memoryd::test {

/// One response as read off the wire.
struct raw_response {
  unsigned status = 0;
  std::string head;  // status line and header fields
  std::string body;

  /// Value of header `name` (case-insensitive), "" when absent.
  std::string header(std::string_view name) const;
};

/// What a connection got until the server closed it or the wait ended.
struct raw_outcome {
  std::vector<raw_response> responses;
  bool closed = false;     // EOF or reset from the server
  bool malformed = false;  // bytes that are not an HTTP response
  std::string rest;        // unparsed bytes at the end

  std::string describe() const;
};

class raw_connection {
public:
  using clock = std::chrono::steady_clock;

  /// Connects to 127.0.0.1:`port`; throws on failure. `receive_buffer`
  /// (bytes, 0: the system's) shrinks SO_RCVBUF, for a client that reads
  /// slowly or never.
  explicit raw_connection(uint16_t port, int receive_buffer = 0);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Sends all of `bytes`; false when the server closed or reset the
  /// connection first (or `timeout` passed with the send blocked).
  bool send(std::string_view bytes,
            std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// Reads until the server closes the connection or `timeout` passes, and
  /// parses what came. With `expected` responses > 0, stops as soon as that
  /// many complete responses are in. The first `head_requests` answers are
  /// to HEAD requests (a header only).
  raw_outcome read_all(std::chrono::milliseconds timeout,
                       std::size_t expected = 0,
                       std::size_t head_requests = 0);

  /// Whether the server has closed the connection: reads (and drops)
  /// whatever is pending until EOF or a reset, for at most `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);

  /// Closes our side (shutdown of writing only: the answer may still come).
  void shutdown_send();

private:
  int fd_ = -1;
  std::string input_;
};

/// Splits `bytes` into responses (Content-Length framing, as memoryd
/// writes; a response to HEAD has none).
raw_outcome parse_responses(std::string bytes, bool closed,
                            std::size_t head_requests = 0);

} // namespace memoryd::test
