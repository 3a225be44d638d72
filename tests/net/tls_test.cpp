// The server over TLS: the handshake and what it refuses (a certificate of
// another CA, TLS 1.1, plain HTTP, a client that never says hello), and the
// request cycle's limits and closing, which must be the plain ones.

#include "net/server.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/test/unit_test.hpp>
#include <openssl/ssl.h>

#include "net/http_client.hpp"
#include "net/tls.hpp"
#include "tests/net/test_client.hpp"
#include "tests/support/test_pki.hpp"

namespace memoryd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using namespace std::chrono_literals;

namespace {

/// An HTTPS server on an ephemeral loopback port that answers every routed
/// request 200 and records the connections they came on.
struct tls_fixture {
  explicit tls_fixture(std::chrono::milliseconds request_timeout = 5s,
                       std::string host = "127.0.0.1")
    : server(options(request_timeout, std::move(host)),
             [this](uint64_t connection_id, api_request,
                    responder_ptr responder) {
               {
                 std::lock_guard lock{mutex};
                 connections.insert(connection_id);
               }
               api_response res;
               res.body = R"({"ok":true})";
               responder->respond(std::move(res));
             }) {
    port = server.listen();
    server.start();
  }

  static net::server_options options(std::chrono::milliseconds request_timeout,
                                     std::string host) {
    net::server_options opts;
    opts.host = std::move(host);
    opts.port = 0;
    opts.threads = 2;
    opts.max_body_bytes = 1024;
    opts.request_timeout = request_timeout;
    opts.idle_timeout = 5s;
    const auto& pki = shared_test_pki();
    opts.tls = net::make_server_tls_context(pki.cert_file.string(),
                                            pki.key_file.string());
    return opts;
  }

  net::http_client client(const std::string& host = "127.0.0.1",
                          const test_pki& trusted = shared_test_pki()) const {
    return net::http_client{net::endpoint{"https", host, port},
                            trusted.ca_file.string(), 5s};
  }

  std::size_t connection_count() {
    std::lock_guard lock{mutex};
    return connections.size();
  }

  std::mutex mutex;
  std::set<uint64_t> connections;
  net::server server;
  uint16_t port = 0;
};

/// One TLS connection with every wait bounded (test_client's shape): for
/// raw bytes and for how the server ends the connection.
class tls_connection {
public:
  tls_connection(uint16_t port, ssl::context& ctx) : stream_(ioc_, ctx) {
    beast::get_lowest_layer(stream_).connect(
      {asio::ip::make_address_v4("127.0.0.1"), port});
  }

  beast::error_code handshake() {
    return run([this](auto handler) {
      stream_.async_handshake(ssl::stream_base::client,
                              [handler](beast::error_code ec) { handler(ec); });
    });
  }

  void send_raw(std::string_view bytes) {
    asio::write(stream_, asio::buffer(bytes));
  }

  http_response receive() {
    http::response_parser<http::string_body> parser;
    auto ec = run([&](auto handler) {
      http::async_read(stream_, buffer_, parser, handler);
    });
    if (ec)
      throw beast::system_error{ec, "receive"};
    return parser.release();
  }

  /// Reads until the server ends the connection: eof after its
  /// close_notify, stream_truncated without one, timeout when it does not.
  beast::error_code end_of_connection() {
    for (;;) {
      auto ec = run([this](auto handler) {
        stream_.async_read_some(buffer_.prepare(4096), handler);
      });
      if (ec)
        return ec;
    }
  }

private:
  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result;
    beast::get_lowest_layer(stream_).expires_after(5s);
    start([&result](beast::error_code ec, std::size_t = 0) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  asio::io_context ioc_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

ssl::context trusting_client_context() {
  ssl::context ctx{ssl::context::tls_client};
  ctx.load_verify_file(shared_test_pki().ca_file.string());
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_FIXTURE_TEST_CASE(https_requests_keep_their_connection, tls_fixture) {
  for (auto host : {"127.0.0.1", "localhost"}) {
    auto c = client(host);
    auto first = c.get("/healthz");
    BOOST_TEST(first.status == 200u);
    BOOST_TEST(first.body == R"({"ok":true})");
    BOOST_TEST(!first.header("X-Request-Id").empty());
    BOOST_TEST(c.request("POST", "/api/sessions", "{}").status == 200u);
  }
  // Two clients, two requests each: keep-alive holds over TLS too.
  BOOST_TEST(connection_count() == 2u);
}

BOOST_FIXTURE_TEST_CASE(certificate_of_another_ca_is_refused, tls_fixture) {
  auto c = client("127.0.0.1", shared_test_pki("other"));
  try {
    c.get("/healthz");
    BOOST_FAIL("a server certificate of an untrusted CA was accepted");
  } catch (const net::tls_handshake_error& e) {
    std::string what = e.what();
    BOOST_TEST(what.find("certificate verify failed") != std::string::npos,
               what);
  }
  BOOST_TEST(client().get("/healthz").status == 200u);
}

BOOST_AUTO_TEST_CASE(certificate_for_another_host_is_refused) {
  // Loopback, but not an address the certificate names.
  tls_fixture f{5s, "127.0.0.2"};
  try {
    f.client("127.0.0.2").get("/healthz");
    BOOST_FAIL("a certificate for another address was accepted");
  } catch (const net::tls_handshake_error& e) {
    std::string what = e.what();
    BOOST_TEST(what.find("IP address mismatch") != std::string::npos, what);
  }
}

BOOST_FIXTURE_TEST_CASE(tls_1_1_client_is_refused, tls_fixture) {
  ssl::context ctx{ssl::context::tls_client};
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_1_VERSION);
  // OpenSSL 3 disables TLS 1.1 itself below security level 0: lower it, so
  // that it is the server that refuses.
  SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
  tls_connection old{port, ctx};
  auto ec = old.handshake();
  BOOST_TEST(ec.message().find("protocol version") != std::string::npos,
             ec.message());
  BOOST_TEST(client().get("/healthz").status == 200u);
}

BOOST_FIXTURE_TEST_CASE(plain_http_gets_no_http_answer, tls_fixture) {
  test_client plain{port};
  plain.send(make_request(http::verb::get, "/healthz"));
  beast::error_code ec;
  plain.receive(ec);
  BOOST_TEST(ec.failed()); // closed without an HTTP response
  BOOST_TEST(client().get("/healthz").status == 200u);
}

BOOST_AUTO_TEST_CASE(client_that_never_says_hello_is_cut_off) {
  tls_fixture f{300ms};
  test_client silent{f.port};
  BOOST_TEST(silent.closed_by_server(5s));
  BOOST_TEST(f.client().get("/healthz").status == 200u);
}

BOOST_FIXTURE_TEST_CASE(limits_answer_and_close_with_close_notify,
                        tls_fixture) {
  auto ctx = trusting_client_context();
  tls_connection c{port, ctx};
  BOOST_REQUIRE(!c.handshake());
  // Content-Length over the limit: 413 before the body, then the close.
  c.send_raw("POST /api/sessions HTTP/1.1\r\nHost: x\r\n"
             "Content-Type: application/json\r\nContent-Length: 2000\r\n\r\n");
  auto res = c.receive();
  BOOST_TEST(res.result_int() == 413u);
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(c.end_of_connection() == asio::error::eof); // not truncated
}

BOOST_AUTO_TEST_CASE(slow_request_is_408) {
  tls_fixture f{300ms};
  auto ctx = trusting_client_context();
  tls_connection c{f.port, ctx};
  BOOST_REQUIRE(!c.handshake());
  c.send_raw("GET /healthz HTTP/1.1\r\nHo");
  auto res = c.receive();
  BOOST_TEST(res.result_int() == 408u);
  BOOST_TEST(c.end_of_connection() == asio::error::eof);
}

BOOST_AUTO_TEST_CASE(unusable_files_name_the_file) {
  auto error_of = [](const std::filesystem::path& cert,
                     const std::filesystem::path& key) {
    try {
      net::make_server_tls_context(cert.string(), key.string());
    } catch (const net::tls_error& e) {
      return e;
    }
    BOOST_FAIL("no tls_error for " << cert << " and " << key);
    throw std::logic_error("unreachable");
  };
  using file = net::tls_error::file;
  const auto& pki = shared_test_pki();
  auto missing = pki.key_file.string() + ".missing";
  BOOST_TEST((error_of(missing, pki.key_file).which == file::certificate));
  BOOST_TEST((error_of(pki.cert_file, missing).which == file::key));
  // A key is not a certificate, and a certificate is not a key.
  BOOST_TEST((error_of(pki.key_file, pki.key_file).which == file::certificate));
  BOOST_TEST((error_of(pki.cert_file, pki.cert_file).which == file::key));
  auto mismatch = error_of(pki.cert_file, shared_test_pki("other").key_file);
  BOOST_TEST((mismatch.which == file::key));
  BOOST_TEST(mismatch.reason.find("does not match") != std::string::npos,
             mismatch.reason);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::test
