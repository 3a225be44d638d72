// A malformed-HTTP corpus over raw sockets against the real memoryd: each
// input gets a 4xx or a close (never a 5xx, a hang or a crash), and a new
// connection is served afterwards. docs/operations.md ("Hostile input")
// lists what each kind of input gets.

#include <chrono>
#include <fstream>
#include <memory>
#include <system_error>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/hostile_daemon.hpp"
#include "tests/e2e/raw_connection.hpp"

using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

/// Longer than anything the daemon may take to answer or close: its request
/// timeout, then a second of lingering, then slack for a busy machine.
constexpr auto patience = hostile_request_timeout + 6s;

constexpr const char* session_id = "0b8f3c1e-7d2a-4e55-9a41-2f6c8d9e0a17";

struct hostile_case {
  std::string name;
  std::string bytes;
  /// The statuses of the responses, in order.
  std::vector<unsigned> statuses;
  /// Whether the server must close the connection after them (else it
  /// must keep it open: a route error, or requests that were fine).
  bool closes = true;
  /// How many of the requests are HEAD (their answers have no body).
  std::size_t head_requests = 0;
};

std::string post(std::string_view target, std::string_view extra_headers,
                 std::string_view body) {
  return "POST " + std::string{target} + " HTTP/1.1\r\nHost: memoryd\r\n"
         + std::string{extra_headers} + "\r\n" + std::string{body};
}

const std::string get_healthz = "GET /healthz HTTP/1.1\r\nHost: memoryd\r\n\r\n";

std::vector<hostile_case> corpus() {
  const std::string json = "Content-Type: application/json\r\n";
  std::string many_headers;
  for (int i = 0; i < 2000; ++i)
    many_headers += "X-Header-" + std::to_string(i) + ": value\r\n";
  return {
    // -- conflicting or unusable framing -------------------------------------
    {"Content-Length and Transfer-Encoding",
     post("/api/sessions",
          json + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
          "0\r\n\r\n"),
     {400}},
    {"two different Content-Lengths",
     post("/api/sessions", json + "Content-Length: 2\r\nContent-Length: 3\r\n",
          "{}x"),
     {400}},
    {"negative Content-Length",
     post("/api/sessions", "Content-Length: -1\r\n", "{}"), {400}},
    {"Content-Length with a sign",
     post("/api/sessions", "Content-Length: +2\r\n", "{}"), {400}},
    {"Content-Length past 2^64",
     post("/api/sessions", "Content-Length: 99999999999999999999999\r\n", ""),
     {400}},
    {"Content-Length over MAX_BODY_BYTES",
     post("/api/sessions", "Content-Length: 999999999999\r\n", ""), {413}},
    {"Transfer-Encoding gzip (body length unknown)",
     post("/api/sessions", json + "Transfer-Encoding: gzip\r\n", "{}"), {400}},
    {"Transfer-Encoding chunked, gzip (chunked not alone)",
     post("/api/sessions", json + "Transfer-Encoding: chunked, gzip\r\n",
          "2\r\n{}\r\n0\r\n\r\n"),
     {400}},
    {"Transfer-Encoding twice",
     post("/api/sessions",
          json + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
          "2\r\n{}\r\n0\r\n\r\n"),
     {400}},
    {"Transfer-Encoding in HTTP/1.0",
     "POST /api/sessions HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
     "2\r\n{}\r\n0\r\n\r\n",
     {400}},
    // -- bad chunks -----------------------------------------------------------
    {"chunk size not hex",
     post("/api/sessions", "Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"),
     {400}},
    {"chunk size past 2^64",
     post("/api/sessions", "Transfer-Encoding: chunked\r\n",
          "fffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
     {400}},
    {"negative chunk size",
     post("/api/sessions", "Transfer-Encoding: chunked\r\n", "-2\r\n{}\r\n0\r\n\r\n"),
     {400}},
    {"chunk over MAX_BODY_BYTES",
     post("/api/sessions", "Transfer-Encoding: chunked\r\n", "7fffffff\r\n{}"),
     {413}},
    {"chunk data longer than its size",
     post("/api/sessions", "Transfer-Encoding: chunked\r\n", "2\r\n{}XX0\r\n\r\n"),
     {400}},
    // -- size of the header ---------------------------------------------------
    {"one huge header field",
     "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n",
     {431}},
    {"2000 header fields", "GET /healthz HTTP/1.1\r\n" + many_headers + "\r\n",
     {431}},
    {"huge request target",
     "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n", {431}},
    // -- bytes that have no place in HTTP -------------------------------------
    {"NUL in the target", std::string{"GET /heal\0thz HTTP/1.1\r\n\r\n", 26},
     {400}},
    {"NUL in a header value",
     std::string{"GET /healthz HTTP/1.1\r\nHost: a\0b\r\n\r\n", 36}, {400}},
    {"NUL in a header name",
     std::string{"GET /healthz HTTP/1.1\r\nHo\0st: a\r\n\r\n", 35}, {400}},
    {"bare LF line ends", "GET /healthz HTTP/1.1\nHost: a\n\n", {400}},
    {"bare CR line ends", "GET /healthz HTTP/1.1\rHost: a\r\r", {400}},
    {"header without colon", "GET /healthz HTTP/1.1\r\nHost a\r\n\r\n", {400}},
    {"space before the colon", "GET /healthz HTTP/1.1\r\nHost : a\r\n\r\n",
     {400}},
    {"binary garbage",
     [] {
       std::string s;
       for (int i = 0; i < 256; ++i)
         s += static_cast<char>(i);
       return s;
     }(),
     {400}},
    {"a TLS ClientHello", std::string{"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11},
     {400}},
    // -- bad request lines ----------------------------------------------------
    {"HTTP/2.0", "GET /healthz HTTP/2.0\r\n\r\n", {400}},
    {"HTTP/0.9 (no version)", "GET /healthz\r\n\r\n", {400}},
    {"method with a bad character", "G@T /healthz HTTP/1.1\r\n\r\n", {400}},
    {"space in the target", "GET /heal thz HTTP/1.1\r\n\r\n", {400}},
    {"empty line before the request", "\r\n" + get_healthz, {400}},
    // route errors answer and keep the connection
    {"unknown lower-case method", "get /healthz HTTP/1.1\r\n\r\n", {405}, false},
    {"absolute-form target", "GET http://memoryd/healthz HTTP/1.1\r\n\r\n",
     {400}, false},
    {"asterisk-form target", "OPTIONS * HTTP/1.1\r\n\r\n", {400}, false},
    {"bad percent-encoding", "GET /api/sessions/%zz HTTP/1.1\r\n\r\n", {400},
     false},
    {"HEAD: the header of a 405 only, then the next request",
     "HEAD /healthz HTTP/1.1\r\n\r\n" + get_healthz, {405, 200}, false, 1},
    // -- pipelining -----------------------------------------------------------
    {"three pipelined requests", get_healthz + get_healthz + get_healthz,
     {200, 200, 200}, false},
    {"pipelined creates answered in order",
     post("/api/sessions", json + "Content-Length: 2\r\n", "{}")
       + post("/api/sessions", json + "Content-Length: 12\r\n", "{\"state\":{}}")
       + "GET /api/sessions/" + session_id + " HTTP/1.1\r\n\r\n",
     {201, 201, 404}, false},
    {"garbage after a good pipelined request",
     get_healthz + "GARBAGE\r\n\r\n" + get_healthz, {200, 400}},
    {"a body where the next request should begin",
     post("/api/sessions", json + "Content-Length: 2\r\n", "{}{}"), {201, 400}},
    // -- framing that is odd but unambiguous: served --------------------------
    {"Transfer-Encoding folded onto a second line",
     post("/api/sessions", json + "Transfer-Encoding:\r\n chunked\r\n",
          "2\r\n{}\r\n0\r\n\r\n"),
     {201}, false},
    {"Transfer-Encoding after a tab",
     post("/api/sessions", json + "Transfer-Encoding:\tchunked\r\n",
          "2\r\n{}\r\n0\r\n\r\n"),
     {201}, false},
    {"the same Content-Length twice",
     post("/api/sessions", json + "Content-Length: 2\r\ncontent-length: 2\r\n",
          "{}"),
     {201}, false},
    {"a chunked body with a trailer",
     post("/api/sessions", json + "Transfer-Encoding: chunked\r\n",
          "2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n"),
     {201}, false},
    // -- incomplete requests: the request deadline answers --------------------
    {"chunks with bare LF (Beast waits for a CRLF that never comes)",
     post("/api/sessions", "Transfer-Encoding: chunked\r\n", "2\n{}\n0\n\n"),
     {408}},
    {"header never finished", "GET /healthz HTTP/1.1\r\nHost: a\r\n", {408}},
    {"body shorter than Content-Length",
     post("/api/sessions", json + "Content-Length: 10\r\n", "{}"), {408}},
    {"last chunk never sent",
     post("/api/sessions", "Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n"),
     {408}},
  };
}

/// Running, and not a zombie that daemon_process has yet to reap.
bool alive(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  std::getline(stat, line);
  auto state_at = line.rfind(')');
  return state_at != std::string::npos && state_at + 2 < line.size()
         && line[state_at + 2] != 'Z';
}

/// A new connection to the daemon; a refusal fails the test with its log.
std::unique_ptr<raw_connection> connect_to_daemon() {
  auto& daemon = hostile_daemon();
  try {
    return std::make_unique<raw_connection>(daemon.port());
  } catch (const std::system_error& e) {
    BOOST_FAIL("cannot connect to memoryd (" << e.what() << ", "
               << (alive(daemon.pid()) ? "alive" : "not running")
               << "); its log:\n" << daemon.log());
  }
  return nullptr;
}

/// A new connection is served: the daemon is up and accepting.
void expect_served(const std::string& after) {
  auto c = connect_to_daemon();
  BOOST_REQUIRE(c->send(get_healthz));
  auto out = c->read_all(patience, 1);
  BOOST_TEST_REQUIRE(out.responses.size() == 1u,
                     "after " << after << ": " << out.describe());
  BOOST_TEST(out.responses[0].status == 200u, "after " << after);
}

} // namespace

BOOST_AUTO_TEST_SUITE(hostile_http)

BOOST_AUTO_TEST_CASE(each_malformed_request_gets_a_4xx_or_a_close) {
  auto& daemon = hostile_daemon();
  for (const auto& c : corpus()) {
    BOOST_TEST_CONTEXT(c.name) {
      auto conn = connect_to_daemon();
      // The server may refuse before it has read everything: a failed send
      // is fine, what it answered is what counts.
      conn->send(c.bytes);
      auto started = raw_connection::clock::now();
      auto out = conn->read_all(patience, c.closes ? 0 : c.statuses.size(),
                               c.head_requests);
      BOOST_TEST(!out.malformed, out.describe());
      std::vector<unsigned> statuses;
      for (const auto& r : out.responses) {
        statuses.push_back(r.status);
        BOOST_TEST(r.status < 500u, "a 5xx: " << r.body);
        if (r.status >= 400 && c.head_requests == 0)
          BOOST_TEST(r.body.find("\"error\"") != std::string::npos,
                     "an error has the envelope: " << r.body);
      }
      BOOST_TEST(statuses == c.statuses, out.describe());
      if (c.closes)
        BOOST_TEST(out.closed, "the server closes: " << out.describe());
      else
        BOOST_TEST(!out.closed, "the connection stays open: " << out.describe());
      bool in_time = raw_connection::clock::now() - started < patience;
      BOOST_TEST(in_time, "answered before the wait ended");
    }
    BOOST_REQUIRE_MESSAGE(alive(daemon.pid()),
                          "memoryd died on " << c.name << "\n" << daemon.log());
    expect_served(c.name);
  }
}

BOOST_AUTO_TEST_CASE(a_client_that_leaves_mid_request_is_just_closed) {
  auto conn = connect_to_daemon();
  conn->send("POST /api/sessions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"st");
  conn->shutdown_send();
  auto out = conn->read_all(patience);
  BOOST_TEST(out.closed, out.describe());
  BOOST_TEST(out.responses.empty(), out.describe());
  expect_served("a client that left");
}

BOOST_AUTO_TEST_CASE(no_5xx_in_the_log) {
  // Every answer the daemon gave in this program's tests, as its access
  // log has them: none is a 5xx.
  auto log = hostile_daemon().log();
  BOOST_TEST(log.find(" status=5") == std::string::npos, log);
}

BOOST_AUTO_TEST_SUITE_END()
