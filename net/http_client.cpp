#include "net/http_client.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <stdexcept>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace memoryd::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// A client context that verifies the server against `ca_file`'s CAs (or
/// the system's) and speaks TLS 1.2 or newer.
ssl::context make_client_context(const std::string& ca_file) {
  ssl::context ctx{ssl::context::tls_client};
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (ca_file.empty())
    ctx.set_default_verify_paths(ec);
  else
    ctx.load_verify_file(ca_file, ec);
  if (ec)
    throw std::invalid_argument("cannot load CA certificates from "
                                + (ca_file.empty() ? "the system's default "
                                                     "paths"
                                                   : ca_file)
                                + ": " + ec.message());
  return ctx;
}

} // namespace

struct http_client::impl {
  std::string host;
  uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<ssl::context> tls;  // https only
  /// Made anew per connection: a TLS stream serves one connection.
  std::variant<beast::tcp_stream, tls_stream> stream{
    std::in_place_type<beast::tcp_stream>, ioc};
  beast::flat_buffer buffer;
  bool connected = false;
  std::string bearer_token;

  beast::tcp_stream& tcp() {
    return std::visit(
      [](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
      stream);
  }

  void connect() {
    asio::ip::tcp::resolver resolver{ioc};
    auto endpoints = resolver.resolve(host, std::to_string(port));
    if (tls)
      stream.emplace<tls_stream>(ioc, *tls);
    else
      stream.emplace<beast::tcp_stream>(ioc);
    tcp().expires_after(timeout);
    tcp().connect(endpoints);
    if (auto* s = std::get_if<tls_stream>(&stream))
      handshake(*s);
    buffer.clear();
    connected = true;
  }

  void handshake(tls_stream& s) {
    // OpenSSL's own host check (rather than a verify callback), so that a
    // mismatch has its own verify result to report. SNI is for names only
    // (RFC 6066).
    auto* native = s.native_handle();
    beast::error_code ec;
    asio::ip::make_address(host, ec);
    bool named = ec
                   ? SSL_set_tlsext_host_name(native, host.c_str()) == 1
                       && SSL_set1_host(native, host.c_str()) == 1
                   : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native),
                                                   host.c_str())
                       == 1;
    if (!named)
      throw tls_handshake_error("cannot check the certificate for " + host);
    s.handshake(ssl::stream_base::client, ec);
    if (!ec)
      return;
    auto why = ec.message();
    if (auto verdict = SSL_get_verify_result(native);
        verdict != X509_V_OK)
      why += std::string{" ("} + X509_verify_cert_error_string(verdict) + ")";
    close();
    throw tls_handshake_error("TLS handshake with " + host + ":"
                              + std::to_string(port) + " failed: " + why);
  }

  void close() {
    beast::error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
    connected = false;
  }

  http_result exchange(http::request<http::string_body>& req) {
    tcp().expires_after(timeout);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    std::visit(
      [&](auto& s) {
        http::write(s, req);
        http::read(s, buffer, parser);
      },
      stream);
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

http_client::http_client(endpoint where, const std::string& ca_file,
                         std::chrono::milliseconds timeout)
  : http_client(std::move(where.host), where.port, timeout) {
  if (where.scheme == "https")
    impl_->tls.emplace(make_client_context(ca_file));
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

endpoint parse_endpoint(std::string_view url) {
  endpoint out;
  if (auto sep = url.find("://"); sep != std::string_view::npos) {
    out.scheme = url.substr(0, sep);
    if (out.scheme != "http" && out.scheme != "https")
      throw std::invalid_argument("unknown scheme \"" + out.scheme
                                  + "\": expected http or https");
    url.remove_prefix(sep + 3);
  }
  while (url.ends_with('/'))
    url.remove_suffix(1);
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    throw std::invalid_argument("expected host:port, got \""
                                + std::string{url} + "\"");
  uint16_t port = 0;
  auto digits = url.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0)
    throw std::invalid_argument("bad port in \"" + std::string{url} + "\"");
  auto host = url.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']'))
    host = host.substr(1, host.size() - 2);
  out.host = host;
  out.port = port;
  return out;
}

} // namespace memoryd::net
