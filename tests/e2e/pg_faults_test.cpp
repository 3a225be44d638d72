// PostgreSQL failing under load, for real, on a private cluster: stopped in
// the middle of writes and started again, and memoryd's backends terminated;
// and memoryd itself stopped with SIGTERM under load.
// Requests fail fast (never past the request deadline), /readyz says so,
// memoryd recovers by itself, and the history checker finds every
// acknowledged write stored once, byte for byte, under gapless numbers.

#define BOOST_TEST_MODULE memoryd postgresql faults
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <map>
#include <thread>

#include <soci/soci.h>

#include "storage/database.hpp"
#include "tests/e2e/api_client.hpp"
#include "tests/e2e/write_history.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg_process.hpp"

using namespace memoryd::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr auto request_timeout = 4s;

/// Writers posting versions to one site until stopped, logging each.
class writers {
public:
  writers(uint16_t port, write_history& history, int count) {
    for (int t = 0; t < count; ++t)
      threads_.emplace_back([this, port, &history, t] {
        api_client c{port};
        for (int i = 0; !stop_; ++i) {
          auto w = history.send(c, "w" + std::to_string(t) + "-"
                                     + std::to_string(i));
          if (w.status != 201)
            std::this_thread::sleep_for(50ms);  // as a client backs off
        }
      });
  }

  ~writers() {
    stop();
  }

  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

/// A legitimate client reading a cached session throughout, timing each
/// read, so that a fault's cost to it can be told.
class reader {
public:
  struct read {
    std::chrono::steady_clock::time_point at;
    double ms = 0;
    unsigned status = 0;
  };

  reader(uint16_t port, std::string path)
    : thread_([this, port, path = std::move(path)] {
        api_client c{port};
        while (!stop_) {
          auto started = std::chrono::steady_clock::now();
          unsigned status = 0;
          try {
            status = c.get(path).status;
          } catch (const std::exception&) {
            // counted as status 0
          }
          auto ended = std::chrono::steady_clock::now();
          std::lock_guard guard{mutex_};
          reads_.push_back(
            {ended, std::chrono::duration<double, std::milli>(ended - started).count(),
             status});
          std::this_thread::sleep_for(5ms);
        }
      }) {
    // nop
  }

  ~reader() {
    stop();
  }

  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }

  /// p99 in ms of the reads that ended in [from, to), and whether all were
  /// 200.
  std::pair<double, bool> p99(std::chrono::steady_clock::time_point from,
                              std::chrono::steady_clock::time_point to) {
    std::vector<double> ms;
    bool all_ok = true;
    std::lock_guard guard{mutex_};
    for (const auto& r : reads_)
      if (r.at >= from && r.at < to) {
        ms.push_back(r.ms);
        all_ok = all_ok && r.status == 200;
      }
    if (ms.empty())
      return {0, all_ok};
    std::sort(ms.begin(), ms.end());
    return {ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], all_ok};
  }

private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<read> reads_;
  std::thread thread_;
};

struct fault_fixture {
  pg_process pg;
  std::string database_url = pg.create_database("memoryd");
  daemon_process daemon{{{"DATABASE_URL", database_url},
                         {"REQUEST_TIMEOUT_MS", "4000"},
                         {"DATABASE_POOL_SIZE", "4"}}};
  api_client c{daemon.port()};
  std::string site_id = new_site();
  std::string cached_path = "/api/sessions/"
                            + std::string{c.create_session().at("session_id").as_string()};

  std::string new_site() {
    auto session_id = std::string{c.create_session().at("session_id").as_string()};
    auto r = c.post("/api/sessions/" + session_id + "/sites",
                    {{"name", "Faults"}, {"code", "<p>first</p>"}});
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.raw.body);
    return std::string{r.object().at("site_id").as_string()};
  }

  std::size_t acknowledged(const write_history& h) const {
    std::size_t n = 0;
    for (const auto& w : h.writes())
      n += w.status == 201;
    return n;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(postgresql_faults, fault_fixture)

BOOST_AUTO_TEST_CASE(stopped_under_load_fails_fast_and_recovers) {
  write_history history{site_id};
  const auto began = std::chrono::steady_clock::now();
  reader legit{daemon.port(), cached_path};
  writers load{daemon.port(), history, 3};
  BOOST_REQUIRE(eventually(10s, [&] { return acknowledged(history) >= 20; }));

  const auto fault_at = std::chrono::steady_clock::now();
  pg.stop();
  const auto down_since = history.writes().size();
  // /readyz says so, and requests keep being answered, with errors.
  BOOST_TEST(eventually(10s, [&] {
    auto r = c.get("/readyz");
    return r.status == 503
           && r.object().at("database").at("state").as_string() == "down";
  }));
  // Down long enough for every writer to have failed a few times.
  BOOST_REQUIRE(eventually(20s, [&] {
    return history.writes().size() >= down_since + 30;
  }));

  pg.start();
  const auto back_at = std::chrono::steady_clock::now();
  // The cached session was served all along, from the cache.
  auto [p99_before, ok_before] = legit.p99(began, fault_at);
  auto [p99_during, ok_during] = legit.p99(fault_at, back_at);
  BOOST_TEST(ok_before);
  BOOST_TEST(ok_during, "a cached read failed while PostgreSQL was down");
  BOOST_TEST_MESSAGE("cached read p99: " << p99_before << " ms before, "
                                         << p99_during << " ms while down");
  const auto acked_before = acknowledged(history);
  // Recovered without a restart: writes succeed again within seconds.
  BOOST_TEST_REQUIRE(eventually(20s, [&] {
    return acknowledged(history) > acked_before + 10;
  }));
  BOOST_TEST_MESSAGE("writes succeed again "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - back_at)
                          .count()
                     << " ms after PostgreSQL came back");
  BOOST_TEST(c.get("/readyz").status == 200u);
  load.stop();

  int failed = 0;
  for (const auto& w : history.writes()) {
    failed += w.status != 201;
    // Failing fast: never held past the request deadline.
    BOOST_TEST((w.took < request_timeout + 2s),
               w.key << " took " << w.took.count() << " ms");
    BOOST_TEST((w.status == 201 || w.status == 503 || w.status == 504),
               w.key << " got " << w.status);
  }
  BOOST_TEST(failed > 0);  // the fault was real
  BOOST_TEST_MESSAGE(history.writes().size() << " writes, " << failed
                                             << " failed while it was down");
  history.settle(c, std::chrono::steady_clock::now() + 30s);
  history.check(c);
}

BOOST_AUTO_TEST_CASE(terminated_backends_are_replaced_and_nothing_fails_twice) {
  write_history history{site_id};
  const auto began = std::chrono::steady_clock::now();
  reader legit{daemon.port(), cached_path};
  writers load{daemon.port(), history, 3};
  BOOST_REQUIRE(eventually(10s, [&] { return acknowledged(history) >= 20; }));
  auto admin = memoryd::storage::open_database(
    memoryd::storage::parse_database_url(pg.url()));
  for (int round = 0; round < 3; ++round) {
    int killed = 0;
    *admin << "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
              "WHERE application_name = 'memoryd' AND pid <> pg_backend_pid()",
      soci::into(killed);
    BOOST_TEST(killed > 0);
    const auto acked = acknowledged(history);
    BOOST_REQUIRE(eventually(10s, [&] { return acknowledged(history) > acked + 10; }));
  }
  load.stop();
  auto [p99, all_ok] = legit.p99(began, std::chrono::steady_clock::now());
  BOOST_TEST(all_ok);
  BOOST_TEST_MESSAGE("cached read p99 through the terminations: " << p99 << " ms");
  // Each writer's requests: never two failures in a row.
  std::map<std::string, int> in_a_row;
  for (const auto& w : history.writes()) {
    auto writer = w.key.substr(0, w.key.find('-'));
    in_a_row[writer] = w.status == 201 ? 0 : in_a_row[writer] + 1;
    BOOST_TEST(in_a_row[writer] < 2, w.key << " is a second failure in a row");
  }
  history.settle(c, std::chrono::steady_clock::now() + 30s);
  history.check(c);
}

BOOST_AUTO_TEST_CASE(sigterm_under_load_loses_no_acknowledged_write) {
  write_history history{site_id};
  writers load{daemon.port(), history, 3};
  BOOST_REQUIRE(eventually(10s, [&] { return acknowledged(history) >= 30; }));
  const auto asked = std::chrono::steady_clock::now();
  auto code = daemon.stop(20s);
  const auto took = std::chrono::steady_clock::now() - asked;
  load.stop();
  BOOST_TEST_REQUIRE(code.has_value());  // exited within the bound
  BOOST_TEST(*code == 0);
  // SHUTDOWN_GRACE_MS (10 s by default) bounds the drain.
  BOOST_TEST((took < 12s));
  // A new daemon on the same database: every acknowledged write is there,
  // the unanswered ones go through once when sent again with their keys.
  daemon_process again{{{"DATABASE_URL", database_url}}};
  api_client c2{again.port()};
  history.settle(c2, std::chrono::steady_clock::now() + 30s);
  history.check(c2);
}

BOOST_AUTO_TEST_SUITE_END()
