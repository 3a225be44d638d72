#include "net/server.hpp"

#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>

#include "net/http_session.hpp"
#include "net/request_id.hpp"
#include "net/server_state.hpp"

namespace memoryd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

/// How long shutdown lets the io threads finish closing their connections
/// before it stops them.
constexpr auto close_time = std::chrono::seconds{1};

/// Pause before accepting again after the accept failed for lack of a
/// resource (file descriptors, memory), so that the loop does not spin.
constexpr auto accept_retry_delay = std::chrono::milliseconds{100};
/// Connections taken from the backlog per accept completion (on_accept).
constexpr int accept_burst = 64;

void validate(const server_options& options, const dispatch_function& fn) {
  auto fail = [](const char* what) {
    throw std::invalid_argument(std::string{"server_options: "} + what);
  };
  if (!fn)
    fail("a dispatch function is required");
  if (options.threads == 0)
    fail("threads must be at least 1");
  if (options.max_header_bytes == 0
      || options.max_header_bytes > std::numeric_limits<std::uint32_t>::max())
    fail("max_header_bytes must be in 1..2^32-1");
  if (options.request_timeout.count() <= 0 || options.idle_timeout.count() <= 0)
    fail("timeouts must be positive");
}

[[noreturn]] void throw_system_error(const beast::error_code& ec,
                                     const std::string& what) {
  throw std::system_error(static_cast<std::error_code>(ec), what);
}

} // namespace

// -- server::impl ------------------------------------------------------------

struct server::impl {
  enum class stage { created, listening, running, stopped };

  impl(server_options options, dispatch_function dispatch);

  uint16_t listen();
  void start();
  void shutdown(std::chrono::milliseconds grace);

  using socket_type = http_session::socket_type;
  using work_guard
    = asio::executor_work_guard<asio::io_context::executor_type>;

  void accept();
  void on_accept(beast::error_code ec, socket_type socket);
  /// The io_context of the next connection: each in turn.
  asio::io_context& next_context();
  void admit(socket_type socket);
  /// Answers a connection past max_connections 503 and closes it.
  void refuse(socket_type socket);
  void run_io(asio::io_context& io);
  void stop_io();
  bool on_io_thread() const;

  std::shared_ptr<server_state> state_;
  /// One per io thread, each run by that thread alone: a connection lives
  /// on one of them, and its handlers need neither a strand nor the locks
  /// of an io_context shared between threads. Declared before the acceptor
  /// and the timer, so destroyed after them.
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::size_t next_context_ = 0;  // touched by the acceptor's thread only
  /// Lives on the first io_context.
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  /// Keep run() from returning while answers are in flight and no socket
  /// operation is pending.
  std::vector<work_guard> work_;

  std::vector<std::thread> threads_;
  std::mutex threads_mutex_;
  std::condition_variable threads_done_;
  std::size_t running_threads_ = 0;

  std::mutex lifecycle_mutex_;
  stage stage_ = stage::created;
  uint16_t port_ = 0;
};

namespace {

std::vector<std::unique_ptr<asio::io_context>> make_contexts(std::size_t n) {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (std::size_t i = 0; i < n; ++i)
    contexts.push_back(std::make_unique<asio::io_context>(1));
  return contexts;
}

} // namespace

server::impl::impl(server_options options, dispatch_function dispatch)
  : state_(std::make_shared<server_state>(std::move(options),
                                          std::move(dispatch))),
    contexts_(make_contexts(state_->options.threads)),
    acceptor_(*contexts_.front()),
    accept_retry_(acceptor_.get_executor()) {
  for (auto& io : contexts_)
    work_.push_back(asio::make_work_guard(*io));
}

uint16_t server::impl::listen() {
  std::lock_guard lock{lifecycle_mutex_};
  if (stage_ != stage::created)
    return port_;
  const auto& options = state_->options;
  auto where = options.host + ":" + std::to_string(options.port);
  beast::error_code ec;
  tcp::resolver resolver{*contexts_.front()};
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive
                                      | tcp::resolver::numeric_service,
                                    ec);
  if (ec)
    throw_system_error(ec, "resolve " + where);
  auto endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (ec)
    throw_system_error(ec, "open " + where);
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    throw_system_error(ec, "set SO_REUSEADDR on " + where);
  acceptor_.bind(endpoint, ec);
  if (ec)
    throw_system_error(ec, "bind " + where);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw_system_error(ec, "listen on " + where);
  acceptor_.non_blocking(true, ec);  // for on_accept's draining accepts
  if (ec)
    throw_system_error(ec, "set O_NONBLOCK on " + where);
  port_ = acceptor_.local_endpoint().port();
  stage_ = stage::listening;
  return port_;
}

void server::impl::start() {
  listen();
  std::lock_guard lock{lifecycle_mutex_};
  if (stage_ == stage::stopped)
    throw std::logic_error("server::start after shutdown");
  if (stage_ == stage::running)
    return;
  stage_ = stage::running;
  if (const auto& direct = state_->options.direct) {
    std::vector<asio::io_context*> contexts;
    for (auto& io : contexts_)
      contexts.push_back(io.get());
    direct->start(contexts);
  }
  asio::post(acceptor_.get_executor(), [this] { accept(); });
  std::lock_guard threads_lock{threads_mutex_};
  running_threads_ = contexts_.size();
  for (auto& io : contexts_)
    threads_.emplace_back([this, &io = *io] { run_io(io); });
}

void server::impl::refuse(socket_type socket) {
  // Written without waiting: a fresh socket's send buffer takes it whole,
  // and a client that cannot take 200 bytes gets a plain close instead.
  const auto request_id = new_request_id();
  const auto body = R"({"error":{"type":"unavailable",)"
                    R"("message":"too many open connections",)"
                    R"("request_id":")"
                    + request_id + "\"}}";
  const auto answer = "HTTP/1.1 503 Service Unavailable\r\n"
                      "Server: memoryd\r\n"
                      "Content-Type: application/json\r\n"
                      "Retry-After: 1\r\n"
                      "Connection: close\r\n"
                      "X-Request-Id: "
                      + request_id + "\r\nContent-Length: "
                      + std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(answer), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

void server::impl::accept() {
  acceptor_.async_accept(next_context().get_executor(),
                         beast::bind_front_handler(&impl::on_accept, this));
}

asio::io_context& server::impl::next_context() {
  return *contexts_[next_context_++ % contexts_.size()];
}

void server::impl::on_accept(beast::error_code ec, socket_type socket) {
  if (!acceptor_.is_open())
    return; // shutdown
  if (ec == asio::error::connection_aborted)
    return accept(); // that client gave up; the next one may not
  if (ec) {
    accept_retry_.expires_after(accept_retry_delay);
    accept_retry_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open())
        accept();
    });
    return;
  }
  admit(std::move(socket));
  // Then every connection already waiting, up to a bound: one accept per
  // pass through a busy io_context kept a burst of new clients waiting
  // (of 1000 connecting at once, some for seconds).
  for (int n = 0; n < accept_burst; ++n) {
    socket_type next{next_context()};
    acceptor_.accept(next, ec);  // non-blocking: would_block when none
    if (ec)
      break;
    admit(std::move(next));
  }
  accept();
}

void server::impl::admit(socket_type socket) {
  if (state_->sessions.size() >= state_->options.max_connections)
    return refuse(std::move(socket));
  // Responses go out in one write; no point in Nagle delaying them.
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto id = state_->next_connection_id++;
  std::make_shared<http_session>(std::move(socket), id, state_)->run();
}

void server::impl::run_io(asio::io_context& io) {
  io.run();
  {
    std::lock_guard lock{threads_mutex_};
    --running_threads_;
  }
  threads_done_.notify_all();
}

void server::impl::shutdown(std::chrono::milliseconds grace) {
  std::lock_guard lock{lifecycle_mutex_};
  if (stage_ == stage::stopped)
    return;
  if (on_io_thread())
    throw std::logic_error("server::shutdown called on an io thread");
  auto was_running = stage_ == stage::running;
  stage_ = stage::stopped;
  state_->draining = true;
  if (was_running) {
    // Stop accepting.
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      accept_retry_.cancel();
    });
    // Idle keep-alive connections close now, busy ones after their response.
    for (const auto& session : state_->sessions.live())
      session->close_if_idle();
    state_->in_flight.wait_for_zero(grace);
    for (const auto& session : state_->sessions.live())
      session->close();
    if (const auto& direct = state_->options.direct)
      direct->stop();  // else its connections keep the io threads running
    stop_io();
  }
  // No io thread runs any more: safe to touch the acceptor from here.
  beast::error_code ec;
  acceptor_.close(ec);
  state_->gate->close();
}

void server::impl::stop_io() {
  // Without the guard, run() returns once the closes posted above ran and
  // every handler finished; stop() is the backstop for one that does not.
  for (auto& guard : work_)
    guard.reset();
  {
    std::unique_lock lock{threads_mutex_};
    threads_done_.wait_for(lock, close_time,
                           [this] { return running_threads_ == 0; });
  }
  for (auto& io : contexts_)
    io->stop();
  for (auto& thread : threads_)
    thread.join();
  threads_.clear();
}

bool server::impl::on_io_thread() const {
  for (const auto& io : contexts_)
    if (io->get_executor().running_in_this_thread())
      return true;
  return false;
}

// -- server ------------------------------------------------------------------

server::server(server_options options, dispatch_function dispatch) {
  validate(options, dispatch);
  impl_ = std::make_unique<impl>(std::move(options), std::move(dispatch));
}

server::~server() {
  impl_->shutdown(std::chrono::milliseconds{0});
}

uint16_t server::listen() {
  return impl_->listen();
}

void server::start() {
  impl_->start();
}

void server::shutdown(std::chrono::milliseconds grace) {
  impl_->shutdown(grace);
}

std::size_t server::in_flight() const {
  return impl_->state_->in_flight.count();
}

} // namespace memoryd::net
