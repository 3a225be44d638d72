// Many connections against the real daemon: 1000 keep-alive connections
// with a request each in flight at once are all answered (the figures are
// printed, never asserted), and a daemon out of file descriptors (EMFILE on
// accept) keeps the connections it has and accepts again once some close.

#define BOOST_TEST_MODULE memoryd connections
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/e2e/api_client.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_env.hpp"

using namespace memoryd::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

/// One keep-alive connection with at most one request outstanding.
struct connection {
  int fd = -1;
  std::string in;
  steady::time_point sent;
  bool waiting = false;

  explicit connection(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)
                  == 0);
  }
  ~connection() {
    if (fd >= 0)
      ::close(fd);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void send(const std::string& target) {
    auto request = "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
    BOOST_REQUIRE(::write(fd, request.data(), request.size())
                  == static_cast<ssize_t>(request.size()));
    sent = steady::now();
    waiting = true;
  }

  /// Reads what is there; the status of a complete response, else 0.
  unsigned receive() {
    char buf[4096];
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      waiting = false;  // answered once, not again at every poll
      return 1;         // closed: counts as an answer that is not 200
    }
    in.append(buf, static_cast<std::size_t>(n));
    auto end = in.find("\r\n\r\n");
    if (end == std::string::npos)
      return 0;
    auto at = in.find("Content-Length: ");
    std::size_t length = at == std::string::npos || at > end
                           ? 0
                           : std::stoul(in.substr(at + 16));
    if (in.size() < end + 4 + length)
      return 0;
    auto status = static_cast<unsigned>(std::stoul(in.substr(9, 3)));
    in.erase(0, end + 4 + length);
    waiting = false;
    return status;
  }
};

struct round_result {
  std::vector<double> ms;
  std::size_t not_ok = 0;
  std::size_t unanswered = 0;
};

/// Waits until `answers` of the connections still waiting have answered,
/// or until `deadline`; hands each complete answer (its connection and
/// status) to `on_answer`. Returns how many answered.
template <class OnAnswer>
std::size_t collect_answers(std::vector<std::unique_ptr<connection>>& conns,
                            std::size_t answers, steady::time_point deadline,
                            OnAnswer on_answer) {
  std::size_t answered = 0;
  while (answered < answers && steady::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<connection*> who;
    for (auto& c : conns)
      if (c->waiting) {
        fds.push_back({c->fd, POLLIN, 0});
        who.push_back(c.get());
      }
    if (::poll(fds.data(), fds.size(), 200) <= 0)
      continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
        continue;
      if (auto status = who[i]->receive(); status != 0) {
        ++answered;
        on_answer(*who[i], status);
      }
    }
  }
  return answered;
}

/// Sends `target` on every connection at once, then collects the answers.
round_result one_round(std::vector<std::unique_ptr<connection>>& conns,
                       const std::string& target, std::chrono::seconds limit) {
  for (auto& c : conns)
    c->send(target);
  round_result out;
  auto answered = collect_answers(
    conns, conns.size(), steady::now() + limit,
    [&](const connection& c, unsigned status) {
      out.ms.push_back(
        std::chrono::duration<double, std::milli>(steady::now() - c.sent)
          .count());
      out.not_ok += status != 200;
    });
  out.unanswered = conns.size() - answered;
  return out;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))];
}

/// This process's own descriptor limit raised as far as allowed.
void raise_fd_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

} // namespace

BOOST_AUTO_TEST_CASE(a_thousand_keep_alive_connections_are_all_answered) {
  raise_fd_limit();
  daemon_process daemon{{{"DATABASE_URL", create_sqlite_database("conns")}}};
  api_client c{daemon.port()};
  auto path = "/api/sessions/"
              + std::string{c.create_session().at("session_id").as_string()};
  std::vector<std::unique_ptr<connection>> conns;
  for (int i = 0; i < 1000; ++i)
    conns.push_back(std::make_unique<connection>(daemon.port()));
  std::vector<double> all;
  for (int round = 0; round < 5; ++round) {
    auto r = one_round(conns, path, 30s);
    BOOST_TEST(r.unanswered == 0u, "round " << round);
    BOOST_TEST(r.not_ok == 0u, "round " << round);
    all.insert(all.end(), r.ms.begin(), r.ms.end());
  }
  BOOST_TEST_MESSAGE("1000 connections, 5 rounds of one request each: p50 "
                     << percentile(all, 0.5) << " ms, p99 "
                     << percentile(all, 0.99) << " ms, max "
                     << percentile(all, 1.0) << " ms");
}

BOOST_AUTO_TEST_CASE(out_of_descriptors_it_keeps_serving_and_accepts_again) {
  raise_fd_limit();
  // The daemon inherits a small limit: it runs out while accepting.
  rlimit mine{};
  ::getrlimit(RLIMIT_NOFILE, &mine);
  rlimit small = mine;
  small.rlim_cur = 128;
  ::setrlimit(RLIMIT_NOFILE, &small);
  std::unique_ptr<daemon_process> daemon;
  try {
    daemon = std::make_unique<daemon_process>(daemon_process::environment{
      {"DATABASE_URL", create_sqlite_database("emfile")}});
  } catch (...) {
    ::setrlimit(RLIMIT_NOFILE, &mine);
    throw;
  }
  ::setrlimit(RLIMIT_NOFILE, &mine);
  std::vector<std::unique_ptr<connection>> conns;
  for (int i = 0; i < 200; ++i)
    conns.push_back(std::make_unique<connection>(daemon->port()));
  // Some are accepted and served; the others wait in the backlog.
  auto first = one_round(conns, "/healthz", 5s);
  BOOST_TEST(first.ms.size() > 10u);
  BOOST_TEST(first.unanswered > 0u, "the limit was not reached");
  BOOST_TEST(first.not_ok == 0u);
  BOOST_TEST_MESSAGE(first.ms.size() << " of 200 served before the limit");
  // Closing the served ones frees descriptors: the rest are accepted.
  std::vector<std::unique_ptr<connection>> waiting;
  for (auto& c : conns)
    if (c->waiting)
      waiting.push_back(std::move(c));
  conns.clear();
  auto answered = collect_answers(
    waiting, waiting.size(), steady::now() + 30s,
    [](connection& c, unsigned status) {
      BOOST_TEST(status == 200u);
      ::close(c.fd);  // frees the daemon's descriptor for the next
      c.fd = -1;
    });
  BOOST_TEST(answered == waiting.size());
  BOOST_TEST(api_client{daemon->port()}.get("/healthz").status == 200u);
}
