// Slow clients against the real memoryd: a header sent a byte at a time, a
// body at a byte a second, a client that never reads its answers. Each is
// cut off by the request deadline (REQUEST_TIMEOUT_MS, from the first byte
// of a request to its answer written), while a legitimate client on its own
// connection keeps getting its answers. No timing is asserted beyond
// generous bounds: the point is that the deadline ends them, and that the
// others are served meanwhile.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "net/http_client.hpp"
#include "tests/e2e/hostile_daemon.hpp"
#include "tests/e2e/raw_connection.hpp"

using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

/// How long past the request timeout a cut-off may take on a busy machine.
constexpr auto slack = 6s;

/// A client that keeps asking while it runs: a health check and an API read
/// in turn, each with a generous timeout, counting answers and failures.
class legitimate_client {
public:
  legitimate_client() : thread_([this] { run(); }) {
    // nop
  }

  ~legitimate_client() {
    stop();
  }

  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  int answered() const { return answered_; }
  int failed() const { return failed_; }
  const std::string& first_failure() const { return first_failure_; }

private:
  void run() {
    memoryd::net::http_client http{"127.0.0.1", hostile_daemon().port(), 10s};
    int i = 0;
    while (!stop_) {
      try {
        auto r = (i++ % 2 == 0) ? http.get("/healthz")
                                : http.get("/api/sessions?limit=1");
        if (r.status == 200) {
          ++answered_;
        } else {
          note_failure("status " + std::to_string(r.status) + ": " + r.body);
        }
      } catch (const std::exception& e) {
        note_failure(e.what());
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  void note_failure(std::string what) {
    if (failed_++ == 0)
      first_failure_ = std::move(what);
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::atomic<int> failed_{0};
  std::string first_failure_;  // written by the thread, read after stop()
  std::thread thread_;
};

/// Sends `bytes` one at a time, `gap` apart, until done, the server closes,
/// or `limit` passes. Returns when it stopped and whether the server had
/// closed by then.
struct trickle_result {
  std::size_t sent = 0;
  bool cut_off = false;
  clock_type::duration took{};
};

trickle_result trickle(raw_connection& c, const std::string& bytes,
                       std::chrono::milliseconds gap,
                       std::chrono::milliseconds limit) {
  trickle_result r;
  auto start = clock_type::now();
  for (; r.sent < bytes.size(); ++r.sent) {
    if (clock_type::now() - start > limit)
      break;
    if (!c.send(std::string_view{bytes}.substr(r.sent, 1), 1s)
        || c.closed_within(gap)) {
      r.cut_off = true;
      break;
    }
  }
  r.took = clock_type::now() - start;
  return r;
}

void expect_still_served(legitimate_client& legit) {
  legit.stop();
  BOOST_TEST_MESSAGE("the legitimate client got " << legit.answered()
                                                   << " answers meanwhile");
  BOOST_TEST(legit.failed() == 0, legit.first_failure());
  BOOST_TEST(legit.answered() > 0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(slow_clients)

BOOST_AUTO_TEST_CASE(header_a_byte_at_a_time_is_cut_off) {
  legitimate_client legit;
  raw_connection c{hostile_daemon().port()};
  // 10 bytes a second: the header would take a minute.
  std::string header = "GET /healthz HTTP/1.1\r\nHost: memoryd\r\nX-Pad: "
                       + std::string(500, 'p') + "\r\n\r\n";
  auto r = trickle(c, header, 100ms, hostile_request_timeout + slack);
  BOOST_TEST(r.cut_off, "still sending after " << r.sent << " bytes");
  BOOST_TEST(r.sent < header.size());
  bool in_time = r.took < hostile_request_timeout + slack;
  BOOST_TEST(in_time);
  expect_still_served(legit);
}

BOOST_AUTO_TEST_CASE(body_at_a_byte_a_second_is_cut_off_with_408) {
  legitimate_client legit;
  raw_connection c{hostile_daemon().port()};
  std::string body = "{\"state\":{\"x\":\"" + std::string(100, 'b') + "\"}}";
  c.send("POST /api/sessions HTTP/1.1\r\nHost: memoryd\r\n"
         "Content-Type: application/json\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n");
  auto started = clock_type::now();
  // A byte a second, reading between the bytes: the 408 comes in the middle.
  std::size_t sent = 0;
  raw_outcome out;
  while (sent < body.size()
         && clock_type::now() - started < hostile_request_timeout + slack) {
    if (!c.send(body.substr(sent++, 1), 1s))
      break;
    out = c.read_all(1s);
    if (!out.responses.empty() || out.closed)
      break;
  }
  if (out.responses.empty() && !out.closed)
    out = c.read_all(slack);
  BOOST_TEST_REQUIRE(out.responses.size() == 1u, out.describe());
  BOOST_TEST(out.responses[0].status == 408u);
  BOOST_TEST(sent < body.size());
  BOOST_TEST(c.closed_within(slack), "the connection is closed after the 408");
  expect_still_served(legit);
}

BOOST_AUTO_TEST_CASE(many_slow_headers_at_once_leave_others_served) {
  legitimate_client legit;
  std::vector<std::unique_ptr<raw_connection>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<raw_connection>(hostile_daemon().port()));
    slow.back()->send("GET /healthz HTTP/1.1\r\nHost: memoryd\r\n");
  }
  // Keep each of them alive with a byte now and then, as slowloris does.
  auto started = clock_type::now();
  std::size_t open = slow.size();
  while (open > 0 && clock_type::now() - started < hostile_request_timeout + slack) {
    open = 0;
    for (auto& c : slow)
      if (c && c->send("X", 1s) && !c->closed_within(1ms))
        ++open;
      else
        c.reset();
    std::this_thread::sleep_for(200ms);
  }
  BOOST_TEST(open == 0u, open << " slow connections are still open");
  expect_still_served(legit);
}

BOOST_AUTO_TEST_CASE(a_client_that_never_reads_is_cut_off) {
  // A session whose answer is large (about 1 MiB), asked for many times
  // over one connection whose client reads nothing.
  memoryd::net::http_client http{"127.0.0.1", hostile_daemon().port(), 30s};
  std::string big(1 << 20, 'x');
  auto created = http.request(
    "POST", "/api/sessions", "{\"state\":{\"big\":\"" + big + "\"}}",
    {{"Content-Type", "application/json"}});
  BOOST_TEST_REQUIRE(created.status == 201u, created.body.substr(0, 300));
  auto id = std::string{
    boost::json::parse(created.body).at("session_id").as_string()};

  legitimate_client legit;
  constexpr std::size_t asked = 32;  // 32 MiB of answers
  raw_connection c{hostile_daemon().port(), 4096};
  std::string request = "GET /api/sessions/" + id + " HTTP/1.1\r\nHost: memoryd\r\n\r\n";
  std::string pipeline;
  for (std::size_t i = 0; i < asked; ++i)
    pipeline += request;
  c.send(pipeline);
  // Not reading: the daemon's writes stall once the socket buffers are
  // full, and the write deadline ends the connection.
  std::this_thread::sleep_for(hostile_request_timeout + 3s);
  auto out = c.read_all(hostile_request_timeout + slack + 20s);
  BOOST_TEST_MESSAGE("the client that did not read: " << out.describe());
  BOOST_TEST(out.closed, out.describe());
  BOOST_TEST(out.responses.size() < asked,
             "every answer was written to a client that did not read: "
               << out.describe());
  for (const auto& r : out.responses)
    BOOST_TEST(r.status == 200u);
  expect_still_served(legit);
}

BOOST_AUTO_TEST_SUITE_END()
