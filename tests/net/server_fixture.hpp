#pragma once

// A server on an ephemeral loopback port whose dispatch records each
// request and answers it (or holds it for the test), and the checks the
// server tests share (server_test.cpp, server_timeouts_test.cpp).

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "net/server.hpp"
#include "tests/net/test_client.hpp"

namespace memoryd::test::server_fixture {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

inline constexpr auto uuid = "0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a";

inline net::server_options test_options() {
  net::server_options options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.max_header_bytes = 1024;
  options.max_body_bytes = 1024;
  options.request_timeout = 5s;
  options.idle_timeout = 5s;
  return options;
}

inline api_response ok(std::string body = R"({"ok":true})") {
  api_response res;
  res.body = std::move(body);
  return res;
}

/// What reached dispatch, and the responders a test answers itself.
struct recorder {
  struct call {
    uint64_t connection_id;
    api_request request;
  };

  void record(uint64_t connection_id, const api_request& request) {
    std::lock_guard lock{mutex};
    calls.push_back({connection_id, request});
  }

  void hold(responder_ptr responder) {
    std::lock_guard lock{mutex};
    held.push_back(std::move(responder));
  }

  std::size_t call_count() {
    std::lock_guard lock{mutex};
    return calls.size();
  }

  std::size_t held_count() {
    std::lock_guard lock{mutex};
    return held.size();
  }

  call nth_call(std::size_t i) {
    std::lock_guard lock{mutex};
    return calls.at(i);
  }

  responder_ptr nth_held(std::size_t i) {
    std::lock_guard lock{mutex};
    return held.at(i);
  }

  std::mutex mutex;
  std::vector<call> calls;
  std::vector<responder_ptr> held;
};

/// A server on an ephemeral loopback port whose dispatch records each
/// request, then applies `answer`: by default it answers 200 at once.
struct fixture {
  using answer_function
    = std::function<void(const api_request&, responder_ptr)>;

  explicit fixture(net::server_options options = test_options())
    : server(std::move(options),
             [this](uint64_t connection_id, api_request request,
                    responder_ptr responder) {
               calls.record(connection_id, request);
               answer(request, std::move(responder));
             }) {
    port = server.listen();
    server.start();
  }

  /// Requests are held for the test to answer (or drop).
  void hold_requests() {
    answer = [this](const api_request&, responder_ptr responder) {
      calls.hold(std::move(responder));
    };
  }

  // The recorder outlives the server: held responders are released after
  // it, as an actor's may be.
  recorder calls;
  answer_function answer = [](const api_request&, responder_ptr responder) {
    responder->respond(ok());
  };
  net::server server;
  uint16_t port = 0;
};

inline json::object error_of(const http_response& res) {
  return json::parse(res.body()).as_object().at("error").as_object();
}

/// The error envelope with `type`, carrying the response's request id.
inline void check_envelope(const http_response& res, unsigned status,
                    std::string_view type) {
  BOOST_TEST(res.result_int() == status);
  BOOST_TEST(res[http::field::content_type] == "application/json");
  auto error = error_of(res);
  BOOST_TEST(error.at("type").as_string() == type);
  BOOST_TEST(!error.at("message").as_string().empty());
  BOOST_TEST(error.at("request_id").as_string() == res["X-Request-Id"]);
  BOOST_TEST(!res["X-Request-Id"].empty());
  BOOST_TEST(res[http::field::server] == "memoryd");
}

inline http_request get(std::string_view target) {
  return make_request(http::verb::get, target);
}

} // namespace memoryd::test::server_fixture
