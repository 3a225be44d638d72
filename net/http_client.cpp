#include "net/http_client.hpp"

#include <charconv>
#include <limits>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace memoryd::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

struct http_client::impl {
  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
  std::string bearer_token;

  void connect() {
    asio::ip::tcp::resolver resolver{ioc};
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(host, std::to_string(port)));
    buffer.clear();
    connected = true;
  }

  void close() {
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
    connected = false;
  }

  http_result exchange(http::request<http::string_body>& req) {
    stream.expires_after(timeout);
    http::write(stream, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read(stream, buffer, parser);
    auto res = parser.release();
    http_result out;
    out.status = res.result_int();
    for (const auto& field : res)
      out.headers.emplace_back(std::string{field.name_string()},
                               std::string{field.value()});
    out.body = std::move(res.body());
    if (!res.keep_alive())
      close();
    return out;
  }
};

std::string http_result::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (beast::iequals(key, name))
      return value;
  return {};
}

http_client::http_client(std::string host, uint16_t port,
                         std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

http_client::~http_client() = default;
http_client::http_client(http_client&&) noexcept = default;
http_client& http_client::operator=(http_client&&) noexcept = default;

void http_client::set_bearer_token(std::string token) {
  impl_->bearer_token = std::move(token);
}

http_result http_client::request(
  std::string_view method, std::string_view target, std::string_view body,
  const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method),
                                       std::string{target}, 11};
  req.set(http::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.set(http::field::user_agent, "memoryd-client");
  if (!impl_->bearer_token.empty())
    req.set(http::field::authorization, "Bearer " + impl_->bearer_token);
  for (const auto& [name, value] : headers)
    req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (req[http::field::content_type].empty())
      req.set(http::field::content_type, "application/json");
    req.body() = std::string{body};
    req.prepare_payload();
  }
  req.keep_alive(true);
  // A kept-alive connection may have been closed by the server's idle
  // timeout: one fresh attempt, and only for a failure before any answer.
  bool reused = impl_->connected;
  if (!impl_->connected)
    impl_->connect();
  try {
    return impl_->exchange(req);
  } catch (const beast::system_error&) {
    impl_->close();
    if (!reused)
      throw;
  }
  impl_->connect();
  return impl_->exchange(req);
}

std::pair<std::string, uint16_t> parse_endpoint(std::string_view endpoint) {
  if (endpoint.starts_with("http://"))
    endpoint.remove_prefix(7);
  while (endpoint.ends_with('/'))
    endpoint.remove_suffix(1);
  auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    throw std::invalid_argument("expected host:port, got \""
                                + std::string{endpoint} + "\"");
  uint16_t port = 0;
  auto digits = endpoint.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0)
    throw std::invalid_argument("bad port in \"" + std::string{endpoint} + "\"");
  auto host = endpoint.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']'))
    host = host.substr(1, host.size() - 2);
  return {std::string{host}, port};
}

} // namespace memoryd::net
