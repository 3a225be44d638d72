// The server's timeouts: an unanswered request, a slow one, an idle
// connection, and the one timer per connection that serves them all.

#include <chrono>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "tests/net/server_fixture.hpp"

namespace memoryd::test {

using namespace server_fixture;

BOOST_AUTO_TEST_SUITE(server_timeouts)

BOOST_AUTO_TEST_CASE(unanswered_request_is_503_after_request_timeout) {
  auto options = test_options();
  options.request_timeout = 300ms;
  fixture f{options};
  f.hold_requests();
  test_client client{f.port};
  auto start = std::chrono::steady_clock::now();
  client.send(get("/healthz"));
  auto res = client.receive();
  auto elapsed = std::chrono::steady_clock::now() - start;
  check_envelope(res, 503, "unavailable");
  BOOST_TEST(res[http::field::retry_after] == "1");
  BOOST_TEST(!res.keep_alive());
  BOOST_TEST((elapsed >= 250ms));
  // The late answer is dropped; the connection closes.
  f.calls.nth_held(0)->respond(ok());
  BOOST_TEST(client.closed_by_server());
  BOOST_TEST(eventually([&] { return f.server.in_flight() == 0; }));
}

BOOST_AUTO_TEST_CASE(slow_request_is_408) {
  auto options = test_options();
  options.request_timeout = 300ms;
  fixture f{options};
  test_client client{f.port};
  client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // never finished
  auto res = client.receive();
  check_envelope(res, 408, "validation");
  BOOST_TEST(client.closed_by_server());
  BOOST_TEST(f.calls.call_count() == 0u);
}

BOOST_AUTO_TEST_CASE(idle_keep_alive_connection_is_closed) {
  auto options = test_options();
  options.idle_timeout = 200ms;
  fixture f{options};
  test_client client{f.port};
  BOOST_TEST(client.roundtrip(get("/healthz")).keep_alive());
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(client.closed_by_server());
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 150ms));

  test_client silent{f.port}; // connects and never sends a byte
  BOOST_TEST(silent.closed_by_server());
}

// The one timer of a connection is moved at every phase and fires early
// when its deadline moved later (net/lazy_deadline.hpp): a connection busy
// for many times its timeouts is never cut, and a deadline that moved
// earlier (a request after an idle wait) still holds.
BOOST_AUTO_TEST_CASE(a_busy_keep_alive_connection_outlives_its_timeouts) {
  auto options = test_options();
  options.request_timeout = 300ms;
  options.idle_timeout = 300ms;
  fixture f{options};
  test_client client{f.port};
  const auto until = std::chrono::steady_clock::now() + 1500ms;
  int answered = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto res = client.roundtrip(get("/healthz"));
    BOOST_TEST_REQUIRE(res.result_int() == 200u);
    BOOST_TEST_REQUIRE(res.keep_alive());
    ++answered;
    std::this_thread::sleep_for(50ms);  // a pause, shorter than either
  }
  BOOST_TEST(answered >= 10);
  BOOST_REQUIRE_EQUAL(f.calls.call_count(), static_cast<std::size_t>(answered));
  for (std::size_t i = 1; i < f.calls.call_count(); ++i)  // one connection
    BOOST_TEST(f.calls.nth_call(i).connection_id
               == f.calls.nth_call(0).connection_id);
}

BOOST_AUTO_TEST_CASE(a_request_after_an_idle_wait_times_out_at_its_own_time) {
  auto options = test_options();
  options.request_timeout = 300ms;
  options.idle_timeout = 30s;
  fixture f{options};
  test_client client{f.port};
  BOOST_TEST(client.roundtrip(get("/healthz")).keep_alive());
  // Idle past the first request's deadline: the timer, which fired early
  // then, now waits for the idle deadline 30 s away. The next request's
  // deadline is earlier, so it must re-arm the timer.
  std::this_thread::sleep_for(500ms);
  const auto start = std::chrono::steady_clock::now();
  client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  auto res = client.receive();
  const auto waited = std::chrono::steady_clock::now() - start;
  check_envelope(res, 408, "validation");
  BOOST_TEST((waited >= 250ms));
  BOOST_TEST((waited < 10s));  // the request's deadline, not the idle one
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::test
