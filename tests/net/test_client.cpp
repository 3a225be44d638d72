#include "tests/net/test_client.hpp"

#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace memoryd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint loopback(uint16_t port) {
  return {asio::ip::make_address_v4("127.0.0.1"), port};
}

} // namespace

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return true;
}

http_request make_request(http::verb method, std::string_view target,
                          std::string body) {
  http_request req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.body() = std::move(body);
  return req;
}

test_client::test_client(uint16_t port) : stream_(ioc_) {
  stream_.connect(loopback(port));
}

bool test_client::refused(uint16_t port) {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::error_code ec;
  socket.connect(loopback(port), ec);
  return ec == asio::error::connection_refused;
}

void test_client::send(http_request req) {
  if (!req.chunked())
    req.prepare_payload();
  http::write(stream_, req);
}

void test_client::send_raw(std::string_view bytes) {
  asio::write(stream_, asio::buffer(bytes));
}

http_response test_client::receive(beast::error_code& ec,
                                   std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  stream_.expires_after(timeout);
  http::async_read(stream_, buffer_, parser,
                   [&](beast::error_code e, std::size_t) { ec = e; });
  run();
  return parser.release();
}

http_response test_client::receive() {
  beast::error_code ec;
  auto res = receive(ec);
  if (ec)
    throw beast::system_error{ec, "receive"};
  return res;
}

http_response test_client::roundtrip(http_request req) {
  send(std::move(req));
  return receive();
}

bool test_client::closed_by_server(std::chrono::milliseconds timeout) {
  stream_.expires_after(timeout);
  buffer_.clear();
  for (;;) {
    beast::error_code ec;
    stream_.async_read_some(buffer_.prepare(4096),
                            [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec == beast::error::timeout)
      return false;
    if (ec)
      return true; // end of stream or reset
  }
}

void test_client::run() {
  ioc_.restart();
  ioc_.run();
}

} // namespace memoryd::test
