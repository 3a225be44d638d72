#define BOOST_TEST_MODULE memoryd and systemd
// The sd_notify protocol as systemd sees it: the real memoryd with a
// NOTIFY_SOCKET this test owns. READY=1 only once migrated and listening,
// WATCHDOG=1 every half WATCHDOG_USEC, STOPPING=1 on SIGTERM, exit 0.

#include <poll.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "tests/e2e/api_client.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_env.hpp"

using namespace memoryd;
using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

/// A bound AF_UNIX datagram socket, read by its own thread from the start:
/// the kernel queues only max_dgram_qlen (often 10) datagrams and sd_notify
/// blocks when the queue is full.
class notify_socket {
public:
  notify_socket() : path_(make_temp_dir("notify") / "notify.sock") {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    BOOST_TEST_REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    BOOST_TEST_REQUIRE(path_.string().size() < sizeof(addr.sun_path));
    std::copy_n(path_.c_str(), path_.string().size(), addr.sun_path);
    BOOST_TEST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr),
                              sizeof(addr))
                       == 0);
    reader_ = std::thread([this] { read_loop(); });
  }

  ~notify_socket() {
    done_ = true;
    reader_.join();
    ::close(fd_);
  }

  std::string path() const { return path_.string(); }

  /// Every message so far, in arrival order.
  std::vector<std::string> messages() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return messages_;
  }

  std::size_t count(const std::string& text) const {
    auto all = messages();
    return static_cast<std::size_t>(std::count(all.begin(), all.end(), text));
  }

private:
  void read_loop() {
    while (!done_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        continue;
      std::string text{buf, static_cast<std::size_t>(n)};
      std::lock_guard<std::mutex> guard{mutex_};
      // One datagram may carry several newline-separated assignments.
      for (std::size_t pos = 0; pos < text.size();) {
        auto end = std::min(text.find('\n', pos), text.size());
        if (end > pos)
          messages_.push_back(text.substr(pos, end - pos));
        pos = end + 1;
      }
    }
  }

  std::filesystem::path path_;
  int fd_ = -1;
  std::atomic<bool> done_ = false;
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

/// Stops the actor scheduler's threads of `pid` (CAF 0.17 names them
/// caf.multiplexer) and nothing else, the way a wedged scheduler would look:
/// a ptrace-stopped thread runs no actor, while the watchdog thread and CAF's
/// clock go on. Resumes them when destroyed. The test is memoryd's parent,
/// so it may trace it.
class scheduler_freeze {
public:
  explicit scheduler_freeze(pid_t pid) {
    auto tasks = std::filesystem::path{"/proc"} / std::to_string(pid) / "task";
    for (const auto& task : std::filesystem::directory_iterator{tasks}) {
      std::string comm;
      std::getline(std::ifstream{task.path() / "comm"}, comm);
      if (comm != "caf.multiplexer")
        continue;
      auto tid = static_cast<pid_t>(
        std::stoi(task.path().filename().string()));
      if (::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0)
        continue;
      tids_.push_back(tid);
      ::ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
      int status = 0;
      ::waitpid(tid, &status, __WALL);  // until it has stopped
    }
  }

  ~scheduler_freeze() {
    for (auto tid : tids_)
      ::ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
  }

  scheduler_freeze(const scheduler_freeze&) = delete;
  scheduler_freeze& operator=(const scheduler_freeze&) = delete;

  std::size_t threads() const { return tids_.size(); }

private:
  std::vector<pid_t> tids_;
};

constexpr auto watchdog_period = 400ms;

std::string watchdog_usec() {
  return std::to_string(std::chrono::microseconds{watchdog_period}.count());
}

} // namespace

BOOST_AUTO_TEST_SUITE(sd_notify)

BOOST_AUTO_TEST_CASE(ready_watchdog_and_stopping) {
  notify_socket notify;
  auto url = create_sqlite_database("notify");
  daemon_process d{{{"DATABASE_URL", url},
                    {"NOTIFY_SOCKET", notify.path()},
                    {"WATCHDOG_USEC", watchdog_usec()}},
                   daemon_process::no_wait};
  BOOST_TEST_REQUIRE(eventually(30s, [&] { return notify.count("READY=1") > 0; }),
                     "no READY=1:\n" << d.log());
  // Whatever READY=1 promises already held when it arrived: memoryd logged
  // its port (it logs that after binding), accepts connections, and the
  // schema is at the newest migration.
  BOOST_TEST_REQUIRE(d.log().find("listening on") != std::string::npos,
                     "READY=1 before listening:\n" << d.log());
  d.wait_until_listening(5s);
  BOOST_TEST(api_client{d.port()}.get("/healthz").status == 200u);
  auto sql = storage::open_database(storage::parse_database_url(url));
  BOOST_TEST(storage::schema_version(*sql)
             == storage::migrations_for(*sql).back().number);
  BOOST_TEST(notify.messages().front() == "READY=1");

  // Every half period while the actors answer: at least 3 in 5 periods is
  // generous on a loaded machine and still proves it repeats.
  // (Waiting apart from BOOST_TEST, which may build its message first.)
  auto before = notify.count("WATCHDOG=1");
  auto fed = eventually(5 * watchdog_period, [&] {
    return notify.count("WATCHDOG=1") >= before + 3;
  });
  BOOST_TEST(fed, notify.count("WATCHDOG=1") - before
                    << " WATCHDOG=1 in 5 periods");

  // A wedged actor scheduler: the probe goes unanswered, the feed stops (one
  // WATCHDOG=1 may have been on its way), and resumes once the scheduler does.
  {
    scheduler_freeze freeze{d.pid()};
    BOOST_TEST_REQUIRE(freeze.threads() > 0u, "no caf.multiplexer thread");
    auto frozen = notify.count("WATCHDOG=1");
    auto fed_while_frozen = eventually(5 * watchdog_period, [&] {
      return notify.count("WATCHDOG=1") > frozen + 1;
    });
    BOOST_TEST(!fed_while_frozen,
               notify.count("WATCHDOG=1") - frozen
                 << " WATCHDOG=1 while the scheduler was stopped");
  }
  auto thawed = notify.count("WATCHDOG=1");
  BOOST_TEST(eventually(10 * watchdog_period, [&] {
               return notify.count("WATCHDOG=1") >= thawed + 2;
             }),
             "the feed did not resume:\n" << d.log());

  auto code = d.stop();
  BOOST_TEST_REQUIRE(code.has_value(), "no exit after SIGTERM:\n" << d.log());
  BOOST_TEST(*code == 0, d.log());
  // The daemon has exited, so everything it sent is in the queue.
  BOOST_TEST(eventually(5s, [&] { return notify.count("STOPPING=1") == 1; }));
}

// Without WATCHDOG_USEC there is no watchdog; with a WATCHDOG_PID that is
// not memoryd's, the watchdog is another process's (sd_watchdog_enabled).
BOOST_AUTO_TEST_CASE(no_watchdog_unless_asked) {
  std::vector<daemon_process::environment> cases{
    {},
    {{"WATCHDOG_USEC", watchdog_usec()}, {"WATCHDOG_PID", "1"}}};
  for (auto env : cases) {
    notify_socket notify;
    env["DATABASE_URL"] = create_sqlite_database("notify");
    env["NOTIFY_SOCKET"] = notify.path();
    daemon_process d{env};
    BOOST_TEST_REQUIRE(
      eventually(30s, [&] { return notify.count("READY=1") > 0; }));
    BOOST_TEST(!eventually(3 * watchdog_period,
                           [&] { return notify.count("WATCHDOG=1") > 0; }));
    auto code = d.stop();
    BOOST_TEST((code && *code == 0), d.log());
  }
}

BOOST_AUTO_TEST_SUITE_END()
