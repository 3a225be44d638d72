#include "net/server.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "net/router.hpp"
#include "tests/net/server_fixture.hpp"
#include "tests/net/test_client.hpp"

namespace memoryd::test {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;
using namespace server_fixture;

BOOST_AUTO_TEST_SUITE(server)

BOOST_FIXTURE_TEST_CASE(request_reaches_dispatch_and_answer_comes_back,
                        fixture) {
  answer = [](const api_request&, responder_ptr responder) {
    auto res = ok(R"({"session":1})");
    res.status = 201;
    res.headers = {{"ETag", "\"7\""}, {"Location", "/api/sessions/x"}};
    responder->respond(std::move(res));
  };
  test_client client{port};
  auto req = make_request(http::verb::put,
                          "/api/sessions/0B6A2C1E-8F4D-4C3B-9A7E-5D2F1E0C9B8A"
                          "?a=1&b=x%20y",
                          R"({"state":{}})");
  req.set("X-Request-Id", "client-id-1");
  req.set(http::field::if_match, "\"6\"");
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", "key-1");
  req.set("X-Not-Forwarded", "1");
  auto res = client.roundtrip(req);

  BOOST_TEST(res.result_int() == 201u);
  BOOST_TEST(res.body() == R"({"session":1})");
  BOOST_TEST(res[http::field::etag] == "\"7\"");
  BOOST_TEST(res[http::field::location] == "/api/sessions/x");
  BOOST_TEST(res[http::field::content_type] == "application/json");
  BOOST_TEST(res[http::field::content_length] == "13");
  BOOST_TEST(res[http::field::server] == "memoryd");
  BOOST_TEST(res["X-Request-Id"] == "client-id-1");
  BOOST_TEST(res.keep_alive());

  BOOST_REQUIRE_EQUAL(calls.call_count(), 1u);
  auto request = calls.nth_call(0).request;
  BOOST_TEST(to_string(request.target) == "session_put");
  BOOST_TEST(request.request_id == "client-id-1");
  BOOST_TEST(request.path_params == std::vector<std::string>{uuid});
  BOOST_TEST(*request.query_param("a") == "1");
  BOOST_TEST(*request.query_param("b") == "x y");
  BOOST_TEST(request.body == R"({"state":{}})");
  BOOST_TEST(*request.header("if-match") == "\"6\"");
  BOOST_TEST(*request.header("content-type") == "application/json");
  BOOST_TEST(*request.header("idempotency-key") == "key-1");
  BOOST_TEST(request.header("x-not-forwarded") == nullptr);
  BOOST_TEST(eventually([&] { return server.in_flight() == 0; }));
}

BOOST_FIXTURE_TEST_CASE(request_id_is_generated_when_missing_or_unusable,
                        fixture) {
  test_client client{port};
  auto plain = client.roundtrip(get("/healthz"));
  BOOST_TEST(net::is_uuid(plain["X-Request-Id"]));
  BOOST_TEST(calls.nth_call(0).request.request_id == plain["X-Request-Id"]);

  auto req = get("/healthz");
  req.set("X-Request-Id", std::string(129, 'x'));
  auto too_long = client.roundtrip(req);
  BOOST_TEST(net::is_uuid(too_long["X-Request-Id"]));
  BOOST_TEST(too_long["X-Request-Id"] != plain["X-Request-Id"]);
}

BOOST_FIXTURE_TEST_CASE(keep_alive_serves_requests_in_turn, fixture) {
  test_client client{port};
  auto first = client.roundtrip(get("/healthz"));
  auto second = client.roundtrip(get("/readyz"));
  BOOST_TEST(first.result_int() == 200u);
  BOOST_TEST(second.result_int() == 200u);
  BOOST_REQUIRE_EQUAL(calls.call_count(), 2u);
  BOOST_TEST(calls.nth_call(0).connection_id
             == calls.nth_call(1).connection_id);

  test_client other{port};
  other.roundtrip(get("/healthz"));
  BOOST_TEST(calls.nth_call(2).connection_id
             != calls.nth_call(0).connection_id);
}

BOOST_FIXTURE_TEST_CASE(pipelined_requests_are_answered_in_order, fixture) {
  test_client client{port};
  client.send_raw("GET /healthz HTTP/1.1\r\nX-Request-Id: one\r\n\r\n"
                  "GET /readyz HTTP/1.1\r\nX-Request-Id: two\r\n\r\n");
  BOOST_TEST(client.receive()["X-Request-Id"] == "one");
  BOOST_TEST(client.receive()["X-Request-Id"] == "two");
}

BOOST_FIXTURE_TEST_CASE(route_errors_keep_the_connection, fixture) {
  test_client client{port};
  auto missing = client.roundtrip(get("/nope"));
  check_envelope(missing, 404, "not_found");
  BOOST_TEST(missing.keep_alive());

  auto req = make_request(http::verb::delete_, "/api/sessions");
  req.set("X-Request-Id", "r-405");
  auto wrong_method = client.roundtrip(req);
  check_envelope(wrong_method, 405, "validation");
  BOOST_TEST(wrong_method[http::field::allow] == "POST, GET");
  BOOST_TEST(wrong_method["X-Request-Id"] == "r-405");
  BOOST_TEST(std::string{error_of(wrong_method).at("message").as_string()}
               .find("DELETE")
             != std::string::npos);

  auto bad_id = client.roundtrip(get("/api/sessions/sites"));
  check_envelope(bad_id, 400, "validation");
  BOOST_TEST(error_of(bad_id).at("message").as_string()
             == "session_id must be a UUID");

  auto bad_query = client.roundtrip(get("/api/sessions?cursor=%zz"));
  check_envelope(bad_query, 400, "validation");

  BOOST_TEST(client.roundtrip(get("/healthz")).result_int() == 200u);
  BOOST_TEST(calls.call_count() == 1u);
}

BOOST_FIXTURE_TEST_CASE(content_length_over_limit_is_413_before_the_body,
                        fixture) {
  test_client client{port};
  // Only the header: the answer must come without the body being sent.
  client.send_raw("POST /api/sessions HTTP/1.1\r\nHost: x\r\n"
                  "X-Request-Id: big-1\r\nContent-Length: 1000000\r\n\r\n");
  auto res = client.receive();
  check_envelope(res, 413, "payload_too_large");
  BOOST_TEST(res["X-Request-Id"] == "big-1");
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(client.closed_by_server());
  BOOST_TEST(calls.call_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(body_at_the_limit_is_accepted, fixture) {
  test_client client{port};
  auto res = client.roundtrip(
    make_request(http::verb::post, "/api/sessions", std::string(1024, 'x')));
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(calls.nth_call(0).request.body.size() == 1024u);
}

BOOST_FIXTURE_TEST_CASE(chunked_body_over_limit_is_413, fixture) {
  test_client client{port};
  std::string chunk = "200\r\n" + std::string(0x200, 'x') + "\r\n";
  client.send_raw("POST /api/sessions HTTP/1.1\r\nHost: x\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"
                  + chunk + chunk + chunk + "0\r\n\r\n");
  auto res = client.receive();
  check_envelope(res, 413, "payload_too_large");
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(client.closed_by_server());
  BOOST_TEST(calls.call_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(header_over_limit_is_431, fixture) {
  test_client client{port};
  auto req = get("/healthz");
  req.set("X-Padding", std::string(2000, 'p'));
  client.send(req);
  auto res = client.receive();
  check_envelope(res, 431, "validation");
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(client.closed_by_server());
}

BOOST_FIXTURE_TEST_CASE(malformed_request_is_400_and_closes, fixture) {
  test_client client{port};
  client.send_raw("GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n");
  auto res = client.receive();
  check_envelope(res, 400, "validation");
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(client.closed_by_server());
}

BOOST_FIXTURE_TEST_CASE(dropped_responder_answers_500, fixture) {
  answer = [](const api_request&, responder_ptr) {}; // dropped unanswered
  test_client client{port};
  auto req = get("/healthz");
  req.set("X-Request-Id", "dropped-1");
  auto res = client.roundtrip(req);
  check_envelope(res, 500, "internal");
  BOOST_TEST(error_of(res).at("message").as_string() == "request was dropped");
  BOOST_TEST(res["X-Request-Id"] == "dropped-1");
}

BOOST_FIXTURE_TEST_CASE(throwing_dispatch_answers_500, fixture) {
  answer = [](const api_request&, responder_ptr) {
    throw std::runtime_error("boom");
  };
  test_client client{port};
  check_envelope(client.roundtrip(get("/healthz")), 500, "internal");
  // The io thread survived.
  answer = [](const api_request&, responder_ptr r) { r->respond(ok()); };
  BOOST_TEST(client.roundtrip(get("/healthz")).result_int() == 200u);
}

BOOST_FIXTURE_TEST_CASE(responder_answered_from_another_thread, fixture) {
  hold_requests();
  test_client client{port};
  client.send(get("/healthz"));
  BOOST_REQUIRE(eventually([&] { return calls.held_count() == 1; }));
  std::thread worker{[r = calls.nth_held(0)] { r->respond(ok(R"({"w":1})")); }};
  worker.join();
  auto res = client.receive();
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.body() == R"({"w":1})");
  // A second respond() is ignored, and the connection still serves.
  calls.nth_held(0)->respond(ok(R"({"again":1})"));
  client.send(get("/readyz"));
  BOOST_REQUIRE(eventually([&] { return calls.held_count() == 2; }));
  calls.nth_held(1)->respond(ok(R"({"second":1})"));
  BOOST_TEST(client.receive().body() == R"({"second":1})");
}

BOOST_AUTO_TEST_CASE(past_max_in_flight_requests_are_503_at_once) {
  auto options = test_options();
  options.max_in_flight = 2;
  fixture f{options};
  f.hold_requests();
  const auto session = std::string{"/api/sessions/"} + uuid;
  std::vector<std::unique_ptr<test_client>> holders;
  for (int i = 0; i < 2; ++i) {
    holders.push_back(std::make_unique<test_client>(f.port));
    holders.back()->send(get(session));
  }
  BOOST_REQUIRE(eventually([&] { return f.calls.held_count() == 2; }));
  test_client extra{f.port};
  auto start = std::chrono::steady_clock::now();
  auto shed = extra.roundtrip(get(session));
  BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
  check_envelope(shed, 503, "unavailable");
  BOOST_TEST(shed[http::field::retry_after] == "1");
  BOOST_TEST(shed.keep_alive());  // the connection stays usable
  BOOST_TEST(f.calls.held_count() == 2u);  // never dispatched
  // The probes are always answered, through the same connection.
  extra.send(get("/healthz"));
  BOOST_REQUIRE(eventually([&] { return f.calls.held_count() == 3; }));
  f.calls.nth_held(2)->respond(ok());
  BOOST_TEST(extra.receive().result_int() == 200u);
  // Once the held ones are answered, requests pass again.
  f.calls.nth_held(0)->respond(ok());
  f.calls.nth_held(1)->respond(ok());
  for (auto& h : holders)
    BOOST_TEST(h->receive().result_int() == 200u);
  BOOST_REQUIRE(eventually([&] { return f.server.in_flight() == 0; }));
  extra.send(get(session));
  BOOST_REQUIRE(eventually([&] { return f.calls.held_count() == 4; }));
  f.calls.nth_held(3)->respond(ok());
  BOOST_TEST(extra.receive().result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(past_max_connections_a_new_one_is_503_and_closed) {
  auto options = test_options();
  options.max_connections = 2;
  fixture f{options};
  auto first = std::make_unique<test_client>(f.port);
  test_client second{f.port};
  BOOST_TEST(first->roundtrip(get("/healthz")).result_int() == 200u);
  BOOST_TEST(second.roundtrip(get("/healthz")).result_int() == 200u);
  test_client third{f.port};
  auto refused = third.receive();
  check_envelope(refused, 503, "unavailable");
  BOOST_TEST(refused[http::field::retry_after] == "1");
  BOOST_TEST(third.closed_by_server());
  // Accepting goes on: once one closes, a new connection is served.
  first.reset();
  BOOST_REQUIRE(eventually([&] {
    test_client again{f.port};
    boost::beast::error_code ec;
    again.send(get("/healthz"));
    auto res = again.receive(ec);
    return !ec && res.result_int() == 200u;
  }));
}

BOOST_FIXTURE_TEST_CASE(http_1_0_without_keep_alive_closes, fixture) {
  test_client client{port};
  client.send_raw("GET /healthz HTTP/1.0\r\n\r\n");
  auto res = client.receive();
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.version() == 10u);
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST(client.closed_by_server());
}

BOOST_FIXTURE_TEST_CASE(expect_100_continue_is_honoured, fixture) {
  test_client client{port};
  client.send_raw("POST /api/sessions HTTP/1.1\r\nHost: x\r\n"
                  "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  BOOST_TEST(client.receive().result_int() == 100u);
  client.send_raw("{}");
  BOOST_TEST(client.receive().result_int() == 200u);
  BOOST_TEST(calls.nth_call(0).request.body == "{}");
}

BOOST_FIXTURE_TEST_CASE(shutdown_finishes_in_flight_requests, fixture) {
  hold_requests();
  test_client busy{port};
  test_client idle{port};
  idle.send(get("/healthz"));
  BOOST_REQUIRE(eventually([&] { return calls.held_count() == 1; }));
  calls.nth_held(0)->respond(ok());
  BOOST_TEST(idle.receive().keep_alive());
  busy.send(get("/api/sessions"));
  BOOST_REQUIRE(eventually([&] { return calls.held_count() == 2; }));
  // The idle one's answer counts until its write completes on the server,
  // which may be after the client has read it.
  BOOST_TEST(eventually([&] { return server.in_flight() == 1u; }));

  std::atomic<bool> stopped{false};
  std::thread stopper{[&] {
    server.shutdown(5s);
    stopped = true;
  }};
  BOOST_TEST(eventually([&] { return test_client::refused(port); }));
  BOOST_TEST(idle.closed_by_server()); // idle keep-alive: closed at once
  BOOST_TEST(!stopped);

  calls.nth_held(1)->respond(ok(R"({"last":1})"));
  auto res = busy.receive();
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.body() == R"({"last":1})");
  BOOST_TEST(!res.keep_alive());
  stopper.join();
  BOOST_TEST(stopped);
  BOOST_TEST(server.in_flight() == 0u);
  BOOST_TEST(test_client::refused(port));
}

BOOST_FIXTURE_TEST_CASE(shutdown_grace_is_bounded, fixture) {
  hold_requests();
  test_client client{port};
  client.send(get("/healthz"));
  BOOST_REQUIRE(eventually([&] { return calls.held_count() == 1; }));
  auto start = std::chrono::steady_clock::now();
  server.shutdown(200ms);
  auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST((elapsed >= 190ms));
  BOOST_TEST((elapsed < 3s));
  BOOST_TEST(client.closed_by_server());
  // Answering after the server stopped is harmless.
  calls.nth_held(0)->respond(ok());
}

BOOST_AUTO_TEST_CASE(responder_may_outlive_the_server) {
  responder_ptr kept;
  {
    fixture f;
    f.hold_requests();
    test_client client{f.port};
    client.send(get("/healthz"));
    BOOST_REQUIRE(eventually([&] { return f.calls.held_count() == 1; }));
    kept = f.calls.nth_held(0);
    f.server.shutdown(0ms);
  }
  kept->respond(ok());
  kept.reset(); // and its destructor does nothing either
}

BOOST_AUTO_TEST_CASE(listen_reports_the_bound_port_and_bad_options_throw) {
  net::server_options options = test_options();
  options.threads = 0;
  BOOST_CHECK_THROW(net::server(options, [](auto, auto, auto) {}),
                    std::invalid_argument);
  BOOST_CHECK_THROW(net::server(test_options(), nullptr),
                    std::invalid_argument);

  fixture f;
  BOOST_TEST(f.port != 0u);
  BOOST_TEST(f.server.listen() == f.port);
  net::server_options taken = test_options();
  taken.port = f.port;
  net::server clash{taken, [](auto, auto, auto) {}};
  BOOST_CHECK_THROW(clash.listen(), std::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::test
