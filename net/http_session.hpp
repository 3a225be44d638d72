#pragma once

// One HTTP/1.1 connection, after Beast's async server session: it lives on
// one io thread (that thread's io_context) and is kept alive by its pending
// operations. It serves one
// request at a time (the next is read only after the response is written,
// which keeps answers in order):
//
//   handshaking ─(TLS only)─┐
//                           ▼
//   idle ──first byte──▶ reading ──complete──▶ waiting ──answer──▶ writing
//    ▲                  (header, body)        (dispatched)            │
//    └───────────────────────── keep-alive ◀──────────────────────────┤
//                                                               close ▼
//   closed ◀── lingering: [TLS close_notify,] shutdown(send), ◀───────┘
//              discard input until EOF
//
// Timeouts: `idle_timeout` while idle (then close silently); `request_timeout`
// for the TLS handshake (a client that never says hello is cut off) and from
// the first byte to the written response: while reading it answers 408,
// while waiting 503 (a later answer is dropped), while writing it closes.
// One lazy_deadline serves every phase: a phase only moves it, so a
// keep-alive request costs no timer operation.
// Errors found here (400, 408, 413, 431, 503) answer with the envelope and
// close the connection; route errors (400, 404, 405) keep it.
//
// Plain and TLS connections share this one request cycle: the stream is a
// variant, and each operation visits it (`with_stream`), so the handlers and
// the responder see one non-template class.
//
// Net-internal header (it includes Beast).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "actors/api.hpp"
#include "net/http_message.hpp"
#include "net/lazy_deadline.hpp"
#include "net/server_state.hpp"

namespace memoryd::net {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  using tcp = boost::asio::ip::tcp;
  /// The io_context's own executor, not a type-erased one: every handler
  /// of a connection runs on the one thread that runs its io_context, so
  /// it needs no strand either.
  using executor = boost::asio::io_context::executor_type;
  using socket_type = boost::asio::basic_stream_socket<tcp, executor>;
  using tls_stream = boost::beast::ssl_stream<socket_type>;

  // -- constructors, destructors, and assignment operators -------------------

  /// Speaks TLS when `state->options.tls` is set.
  http_session(socket_type&& socket, uint64_t id,
               std::shared_ptr<server_state> state);

  ~http_session();

  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  // -- properties -------------------------------------------------------------

  uint64_t id() const noexcept {
    return id_;
  }

  // -- interface, callable from any thread ------------------------------------

  /// Registers with the server and waits for the first request.
  void run();

  /// Hands over the answer to request number `seq` of this connection. It is
  /// written unless that request was already answered (by a timeout) or the
  /// connection is gone.
  void deliver(uint64_t seq, api_response response);

  /// Closes the connection if it is waiting for a request or in its TLS
  /// handshake (shutdown).
  void close_if_idle();

  /// Closes the connection whatever it is doing (end of shutdown).
  void close();

private:
  enum class phase {
    handshaking,
    idle,
    reading,
    waiting,
    writing,
    lingering,
    closed
  };

  // -- the stream, plain or TLS -----------------------------------------------

  /// Calls `f` with the stream as it is (for reads and writes of HTTP).
  template <class F>
  decltype(auto) with_stream(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

  /// The TCP socket under it (for cancel, shutdown and close).
  socket_type& socket_layer() noexcept;

  // -- the deadline -----------------------------------------------------------

  /// The current phase times out at `at`.
  void expire_at(std::chrono::steady_clock::time_point at);
  /// What the current phase's timeout does.
  void on_deadline();

  // -- the request cycle, always on the io thread -----------------------------

  void handshake();
  void on_handshake(boost::beast::error_code ec);
  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t n);
  void start_request();
  void on_header(boost::beast::error_code ec, std::size_t n);
  void on_continue_sent(boost::beast::error_code ec, std::size_t n);
  void read_body();
  void on_body(boost::beast::error_code ec, std::size_t n);
  void on_read_error(boost::beast::error_code ec);
  void dispatch_request();
  /// What direct_answers::answer_later() found for request `seq`: sent, or
  /// (nullopt) the request is dispatched after all.
  void on_direct_answer(uint64_t seq, api_request request,
                        std::optional<api_response> answer);
  /// Hands the request to the actors; the answer comes through deliver().
  void dispatch(api_request request);
  void on_answer(uint64_t seq, api_response response);
  void send(api_response response, bool close_after);
  void send_error(unsigned status, error_type type, std::string_view message);
  /// The access log line for an answer net gives itself (no actor saw it).
  void log_local_answer(unsigned status) const;
  /// The request's log line, as the front actor writes it.
  void log_answer(std::string_view route, unsigned status) const;
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t n);

  // -- closing ----------------------------------------------------------------

  void close_gracefully();
  void on_tls_shutdown(boost::beast::error_code ec);
  void linger();
  void discard_input();
  void on_discarded(boost::beast::error_code ec, std::size_t n);
  void close_now();

  // -- member variables -------------------------------------------------------

  std::variant<socket_type, tls_stream> stream_;
  boost::beast::flat_buffer buffer_;
  /// Re-emplaced per request: a parser handles one message.
  std::optional<boost::beast::http::request_parser<
    boost::beast::http::string_body>>
    parser_;
  http_response response_;

  /// When the current phase times out: its request's deadline (start plus
  /// request_timeout), the idle timeout, the write's or the lingering's.
  lazy_deadline deadline_;
  /// When the current request's first byte came.
  std::chrono::steady_clock::time_point started_at_;

  const uint64_t id_;
  const std::shared_ptr<server_state> state_;

  phase phase_ = phase::idle;
  /// Number of the current request; answers for older ones are dropped.
  uint64_t seq_ = 0;
  /// Set when the deadline cancelled a read, to answer 408 instead of 400.
  bool timed_out_ = false;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  /// A HEAD request: its answer (a 405: no route serves HEAD) goes without
  /// the body its Content-Length tells of.
  bool head_ = false;
  std::string request_id_;
  std::size_t metrics_route_ = 0;  // the route's index in the metrics
  std::optional<in_flight_counter::token> in_flight_;
};

} // namespace memoryd::net
