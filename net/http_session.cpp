#include "net/http_session.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "net/http_responder.hpp"
#include "net/router.hpp"

namespace memoryd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

using std::chrono::steady_clock;

namespace {

/// Routes served even when the daemon sheds load: the probes, and what
/// shows the operator why.
bool always_answered(route r) {
  return r == route::healthz || r == route::readyz || r == route::metrics
         || r == route::admin_stats;
}

/// A response ready just before the request deadline still gets this long
/// to be written.
constexpr auto min_write_time = std::chrono::seconds{1};

/// How long a closing connection reads and discards what the client still
/// sends (say, the body of a 413). Closing with unread input makes the
/// kernel send a reset, which can destroy our last response in flight.
constexpr auto linger_time = std::chrono::seconds{1};

constexpr std::size_t first_read_size = 1024;
constexpr std::size_t discard_size = 4096;

constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_http_error(const beast::error_code& ec) {
  static const auto& category
    = http::make_error_code(http::error::bad_version).category();
  return ec.category() == category;
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

using stream_variant
  = std::variant<http_session::socket_type, http_session::tls_stream>;

stream_variant make_stream(http_session::socket_type&& socket,
                           const server_state& state) {
  if (state.options.tls)
    return stream_variant{std::in_place_type<http_session::tls_stream>,
                          std::move(socket), *state.options.tls};
  return stream_variant{std::in_place_type<http_session::socket_type>,
                        std::move(socket)};
}

} // namespace

// -- constructors, destructors, and assignment operators ---------------------

http_session::http_session(socket_type&& socket, uint64_t id,
                           std::shared_ptr<server_state> state)
  : stream_(make_stream(std::move(socket), *state)),
    deadline_(socket_layer().get_executor()),
    id_(id),
    state_(std::move(state)) {
  // nop
}

http_session::~http_session() {
  state_->sessions.remove(id_);
}

// -- interface, callable from any thread -------------------------------------

void http_session::run() {
  state_->sessions.add(id_, weak_from_this());
  asio::dispatch(socket_layer().get_executor(),
                 beast::bind_front_handler(&http_session::handshake,
                                           shared_from_this()));
}

void http_session::deliver(uint64_t seq, api_response response) {
  // The Beast chat-multi rule: only the io thread touches the stream.
  asio::post(socket_layer().get_executor(),
             [self = shared_from_this(), seq,
              response = std::move(response)]() mutable {
               self->on_answer(seq, std::move(response));
             });
}

void http_session::close_if_idle() {
  asio::post(socket_layer().get_executor(), [self = shared_from_this()] {
    if (self->phase_ == phase::idle || self->phase_ == phase::handshaking)
      self->close_now();
  });
}

void http_session::close() {
  asio::post(socket_layer().get_executor(),
             beast::bind_front_handler(&http_session::close_now,
                                       shared_from_this()));
}

// -- the stream, plain or TLS ------------------------------------------------

http_session::socket_type& http_session::socket_layer() noexcept {
  return with_stream(
    [](auto& s) -> socket_type& { return beast::get_lowest_layer(s); });
}

// -- the deadline ------------------------------------------------------------

void http_session::expire_at(steady_clock::time_point at) {
  deadline_.expire_at(at, shared_from_this(), &http_session::on_deadline);
}

void http_session::on_deadline() {
  switch (phase_) {
    case phase::reading:
      // Cancel the read; its handler answers 408.
      if (!timed_out_) {
        timed_out_ = true;
        beast::error_code ignored;
        socket_layer().cancel(ignored);
      }
      return;
    case phase::waiting:
      // The handler may still be busy with it: close rather than reuse.
      return send_error(503, error_type::unavailable,
                        "no answer within "
                          + ms(state_->options.request_timeout));
    default:
      // A TLS handshake, a keep-alive wait, a write or the lingering ran
      // out: nothing to answer. Pending operations end with an error.
      return close_now();
  }
}

// -- the request cycle -------------------------------------------------------

void http_session::handshake() {
  auto* tls = std::get_if<tls_stream>(&stream_);
  if (tls == nullptr)
    return wait_for_request();
  phase_ = phase::handshaking;
  expire_at(steady_clock::now() + state_->options.request_timeout);
  tls->async_handshake(ssl::stream_base::server,
                       beast::bind_front_handler(&http_session::on_handshake,
                                                 shared_from_this()));
}

void http_session::on_handshake(beast::error_code ec) {
  if (phase_ != phase::handshaking)
    return;
  if (ec) {
    // Plain HTTP to this port, an old protocol, a client that distrusts our
    // certificate, or the timeout: nothing to answer in HTTP.
    spdlog::debug("connection {}: TLS handshake failed: {}", id_,
                  ec.message());
    return close_now();
  }
  wait_for_request();
}

void http_session::wait_for_request() {
  phase_ = phase::idle;
  if (state_->draining)
    return close_now();
  if (buffer_.size() > 0)
    return start_request(); // pipelined: the next request has begun
  expire_at(steady_clock::now() + state_->options.idle_timeout);
  with_stream([this](auto& s) {
    s.async_read_some(buffer_.prepare(first_read_size),
                      beast::bind_front_handler(&http_session::on_first_bytes,
                                                shared_from_this()));
  });
}

void http_session::on_first_bytes(beast::error_code ec, std::size_t n) {
  if (phase_ != phase::idle)
    return;
  if (ec)
    return close_now(); // idle timeout, the client left, or shutdown
  buffer_.commit(n);
  start_request();
}

void http_session::start_request() {
  const auto& options = state_->options;
  phase_ = phase::reading;
  ++seq_;
  timed_out_ = false;
  version_ = 11;
  keep_alive_ = false;
  head_ = false;
  request_id_.clear();
  metrics_route_ = route_count;  // unmatched until routed
  in_flight_.emplace(state_->in_flight);

  started_at_ = steady_clock::now();
  expire_at(started_at_ + options.request_timeout);

  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  // A Content-Length above the limit fails the header read already, so a
  // too large body is refused before any of it is read.
  parser_->body_limit(options.max_body_bytes);
  with_stream([this](auto& s) {
    http::async_read_header(s, buffer_, *parser_,
                            beast::bind_front_handler(&http_session::on_header,
                                                      shared_from_this()));
  });
}

void http_session::on_header(beast::error_code ec, std::size_t) {
  if (phase_ != phase::reading)
    return;
  if (ec || timed_out_)
    return on_read_error(ec);
  const auto& req = parser_->get();
  request_id_ = request_id_of(req);
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  head_ = req.method() == http::verb::head;
  if (auto framing = framing_error(req, version_); !framing.empty())
    return send_error(400, error_type::validation,
                      "malformed request: " + framing);
  if (parser_->is_done())
    return dispatch_request();
  // Clients like curl wait (a second) for this before sending a large body.
  if (version_ == 11
      && beast::iequals(req[http::field::expect], "100-continue"))
    return with_stream([this](auto& s) {
      asio::async_write(
        s, asio::buffer(continue_response),
        beast::bind_front_handler(&http_session::on_continue_sent,
                                  shared_from_this()));
    });
  read_body();
}

void http_session::on_continue_sent(beast::error_code ec, std::size_t) {
  if (phase_ != phase::reading)
    return;
  if (ec || timed_out_)
    return on_read_error(ec);
  read_body();
}

void http_session::read_body() {
  with_stream([this](auto& s) {
    http::async_read(s, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_body,
                                               shared_from_this()));
  });
}

void http_session::on_body(beast::error_code ec, std::size_t) {
  if (phase_ != phase::reading)
    return;
  if (ec || timed_out_)
    return on_read_error(ec);
  dispatch_request();
}

void http_session::on_read_error(beast::error_code ec) {
  const auto& options = state_->options;
  if (request_id_.empty())
    request_id_ = request_id_of(parser_->get()); // fields read so far
  if (timed_out_)
    return send_error(408, error_type::validation,
                      "request not received within "
                        + ms(options.request_timeout));
  if (ec == http::error::body_limit)
    return send_error(413, error_type::payload_too_large,
                      "request body exceeds "
                        + std::to_string(options.max_body_bytes) + " bytes");
  if (ec == http::error::header_limit)
    return send_error(431, error_type::validation,
                      "request header exceeds "
                        + std::to_string(options.max_header_bytes)
                        + " bytes");
  if (is_http_error(ec) && ec != http::error::end_of_stream
      && ec != http::error::partial_message)
    return send_error(400, error_type::validation,
                      "malformed request: " + ec.message());
  close_now(); // the client went away mid-request: nobody to answer
}

void http_session::dispatch_request() {
  phase_ = phase::waiting;
  auto req = parser_->release();
  auto routed = match_route(req.method_string(), req.target());
  if (auto* error = std::get_if<route_error>(&routed)) {
    log_local_answer(error->status);
    auto res = make_error_response(error->status, error->type, error->message,
                                   request_id_);
    if (!error->allow.empty())
      res.headers.emplace_back("Allow", error->allow);
    return send(std::move(res), false);
  }
  auto& match = std::get<route_match>(routed);
  metrics_route_ = static_cast<std::size_t>(match.target);
  auto access = state_->options.access.authorize(
    match.target, req[http::field::authorization]);
  if (auto* denied = std::get_if<access_denied>(&access)) {
    log_local_answer(denied->status);
    auto res = make_error_response(denied->status, denied->type,
                                   denied->message, request_id_);
    if (!denied->challenge.empty())
      res.headers.emplace_back("WWW-Authenticate", denied->challenge);
    return send(std::move(res), false);
  }
  if (state_->in_flight.count() > state_->options.max_in_flight
      && !always_answered(match.target)) {
    log_local_answer(503);
    return send(make_error_response(
                  503, error_type::unavailable,
                  "too many requests in flight (MAX_IN_FLIGHT="
                    + std::to_string(state_->options.max_in_flight)
                    + "): retry shortly",
                  request_id_),
                false);
  }
  if (match.target == route::events_list) {
    // A long poll waits up to max_event_wait before its answer is due.
    expire_at(deadline_.expiry() + max_event_wait);
  }
  auto request = make_api_request(req, std::move(match), request_id_);
  request.tenant = std::move(std::get<principal>(access).tenant);
  request.token_agent = std::move(std::get<principal>(access).agent);
  if (const auto& direct = state_->options.direct) {
    if (auto answer = direct->answer(request)) {
      log_answer(to_string(request.target), answer->status);
      return send(std::move(*answer), false);
    }
    auto held = std::make_shared<api_request>(std::move(request));
    auto later = [self = shared_from_this(), seq = seq_,
                  held](std::optional<api_response> answer) mutable {
      asio::post(self->socket_layer().get_executor(),
                 [self, seq, held, answer = std::move(answer)]() mutable {
                   self->on_direct_answer(seq, std::move(*held),
                                          std::move(answer));
                 });
    };
    if (direct->answer_later(*held, std::move(later)))
      return;
    request = std::move(*held);
  }
  dispatch(std::move(request));
}

void http_session::on_direct_answer(uint64_t seq, api_request request,
                                    std::optional<api_response> answer) {
  if (phase_ != phase::waiting || seq != seq_)
    return;  // answered by the deadline already, or the connection is gone
  if (!answer)
    return dispatch(std::move(request));
  log_answer(to_string(request.target), answer->status);
  send(std::move(*answer), false);
}

void http_session::dispatch(api_request request) {
  auto responder = std::make_shared<http_responder>(weak_from_this(), seq_,
                                                    state_->gate, request_id_);
  try {
    state_->dispatch(id_, std::move(request), responder);
  } catch (...) {
    // Escaping, it would end this io thread's run(); answer instead.
    responder->respond(make_error_response(500, error_type::internal,
                                           "request dispatch failed",
                                           request_id_));
  }
}

void http_session::on_answer(uint64_t seq, api_response response) {
  if (phase_ != phase::waiting || seq != seq_)
    return; // answered by the deadline already, or the connection is gone
  send(std::move(response), false);
}

void http_session::send(api_response response, bool close_after) {
  phase_ = phase::writing;
  if (auto* metrics = state_->options.metrics)
    metrics->record(metrics_route_, response.status,
                    std::chrono::duration_cast<std::chrono::nanoseconds>(
                      steady_clock::now() - started_at_)
                      .count());
  bool keep_alive = keep_alive_ && !close_after && !state_->draining;
  response_ = make_http_response(std::move(response), request_id_, version_,
                                 keep_alive);
  if (head_)
    response_.body().clear(); // RFC 9110 9.3.2: the header only
  expire_at(
    std::max(deadline_.expiry(), steady_clock::now() + min_write_time));
  with_stream([this, keep_alive](auto& s) {
    http::async_write(s, response_,
                      beast::bind_front_handler(&http_session::on_write,
                                                shared_from_this(),
                                                keep_alive));
  });
}

void http_session::log_local_answer(unsigned status) const {
  log_answer("-", status);
}

void http_session::log_answer(std::string_view route, unsigned status) const {
  // The same line the front actor writes for the requests it answers.
  auto elapsed = steady_clock::now() - started_at_;
  spdlog::info("request id={} route={} status={} ms={:.2f}", request_id_, route,
               status,
               std::chrono::duration<double, std::milli>(elapsed).count());
}

void http_session::send_error(unsigned status, error_type type,
                              std::string_view message) {
  log_local_answer(status);
  send(make_error_response(status, type, message, request_id_), true);
}

void http_session::on_write(bool keep_alive, beast::error_code ec,
                            std::size_t) {
  if (phase_ != phase::writing)
    return;
  in_flight_.reset();
  response_ = {};
  if (ec)
    return close_now();
  if (!keep_alive || state_->draining)
    return close_gracefully();
  wait_for_request();
}

// -- closing -----------------------------------------------------------------

void http_session::close_gracefully() {
  phase_ = phase::lingering;
  buffer_.clear();
  // One bound for all of it: close_notify, then the lingering.
  expire_at(steady_clock::now() + linger_time);
  if (auto* tls = std::get_if<tls_stream>(&stream_))
    return tls->async_shutdown(beast::bind_front_handler(
      &http_session::on_tls_shutdown, shared_from_this()));
  linger();
}

void http_session::on_tls_shutdown(beast::error_code) {
  if (phase_ != phase::lingering)
    return;
  // Whatever the outcome: clients often close without their close_notify.
  linger();
}

void http_session::linger() {
  beast::error_code ec;
  socket_layer().shutdown(tcp::socket::shutdown_send, ec);
  if (ec)
    return close_now();
  discard_input();
}

void http_session::discard_input() {
  // Never committed: the same bytes of the buffer are reused. Below TLS:
  // after close_notify only the TCP bytes are left to drain.
  socket_layer().async_read_some(
    buffer_.prepare(discard_size),
    beast::bind_front_handler(&http_session::on_discarded,
                              shared_from_this()));
}

void http_session::on_discarded(beast::error_code ec, std::size_t) {
  if (phase_ != phase::lingering)
    return;
  if (ec)
    return close_now(); // end of stream, linger timeout, or shutdown
  discard_input();
}

void http_session::close_now() {
  phase_ = phase::closed;
  in_flight_.reset();
  deadline_.cancel();
  beast::error_code ignored;
  socket_layer().close(ignored);
}

} // namespace memoryd::net
