// redis_read_pool (asynchronous hiredis on an Asio io_context) against a
// private redis-server: what it reads, what it refuses to read, and how it
// lives through a hung, dead and restarted Redis.

#include "cache/redis_read_pool.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <future>
#include <thread>

#include "cache/redis_client.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/raw_redis.hpp"
#include "tests/support/redis_process.hpp"

using namespace std::chrono_literals;
using memoryd::cache::entry;
using memoryd::cache::pending_invalidations;
using memoryd::cache::redis_client;
using memoryd::cache::redis_options;
using memoryd::cache::redis_read_pool;
using memoryd::test::eventually;
using memoryd::test::raw_redis;
using memoryd::test::redis_process;

namespace {

/// A private Redis, a blocking client to write with, and a read pool on an
/// io_context run by two threads (as the HTTP server runs it).
struct pool_fixture {
  redis_process server;
  redis_options options = [this] {
    redis_options o;
    o.port = server.port();
    o.connect_timeout = o.command_timeout = 200ms;
    o.min_backoff = 20ms;
    o.max_backoff = 200ms;
    return o;
  }();
  std::shared_ptr<pending_invalidations> pending
    = std::make_shared<pending_invalidations>(100);
  redis_client writer{options};
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
    work = boost::asio::make_work_guard(io);
  redis_read_pool pool{options, pending};
  std::vector<std::thread> threads;

  pool_fixture() {
    pool.start({&io, &io});  // two connections on one shared io_context
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([this] { io.run(); });
    BOOST_REQUIRE(eventually(5s, [&] { return taken("warm-up").has_value(); }));
  }

  ~pool_fixture() {
    pool.close();
    work.reset();
    for (auto& t : threads)
      t.join();  // returns only once the connections let go of the io_context
  }

  /// What the pool answers for `key`: nullopt when it does not take the
  /// read, else what the read found.
  std::optional<std::optional<entry>> taken(const std::string& key) {
    auto promise = std::make_shared<std::promise<std::optional<entry>>>();
    auto answer = promise->get_future();
    if (!pool.get(key, [promise](std::optional<entry> e) {
          promise->set_value(std::move(e));
        }))
      return std::nullopt;
    BOOST_REQUIRE(answer.wait_for(5s) == std::future_status::ready);
    return answer.get();
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(redis_read_pool_tests, pool_fixture)

BOOST_AUTO_TEST_CASE(reads_what_the_writers_wrote_and_nothing_else) {
  BOOST_REQUIRE(writer.put_if_newer("k", 7, std::string("a\0:b", 4), 60s));
  auto hit = taken("k");
  BOOST_REQUIRE(hit.has_value());
  BOOST_REQUIRE(hit->has_value());
  BOOST_TEST((*hit)->revision == 7);
  BOOST_TEST((*hit)->value == std::string("a\0:b", 4));

  BOOST_TEST(!taken("absent").value().has_value());
  BOOST_REQUIRE(writer.invalidate("k"));
  BOOST_TEST(!taken("k").value().has_value(), "a tombstone is a miss");
  raw_redis{"127.0.0.1", server.port()}.command({"SET", "fence", "3:"});
  BOOST_TEST(!taken("fence").value().has_value(), "a fence is a miss");
}

BOOST_AUTO_TEST_CASE(many_reads_at_once_each_get_their_own_answer) {
  constexpr int keys = 200;
  for (int i = 0; i < keys; ++i)
    BOOST_REQUIRE(writer.put_if_newer("k" + std::to_string(i), i + 1,
                                      "v" + std::to_string(i), 60s));
  std::vector<std::future<std::optional<entry>>> answers;
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < keys; ++i) {
      auto promise = std::make_shared<std::promise<std::optional<entry>>>();
      answers.push_back(promise->get_future());
      BOOST_REQUIRE(pool.get("k" + std::to_string(i),
                             [promise](std::optional<entry> e) {
                               promise->set_value(std::move(e));
                             }));
    }
  for (std::size_t n = 0; n < answers.size(); ++n) {
    auto i = static_cast<int>(n % keys);
    auto e = answers[n].get();
    BOOST_REQUIRE(e.has_value());
    BOOST_TEST(e->revision == i + 1);
    BOOST_TEST(e->value == "v" + std::to_string(i));
  }
}

BOOST_AUTO_TEST_CASE(does_not_read_what_could_not_be_invalidated) {
  BOOST_REQUIRE(writer.put_if_newer("k", 1, "old", 60s));
  BOOST_REQUIRE(writer.put_if_newer("other", 1, "fine", 60s));
  pending->add("k");  // as a cache worker does when Redis missed a write
  BOOST_TEST(!taken("k").has_value(), "left to the workers, which settle it");
  BOOST_TEST(taken("other").value().has_value());

  uint64_t generation = 0;
  BOOST_REQUIRE(pending->contains("k", generation));
  pending->erase("k", generation);
  BOOST_TEST(taken("k").value().has_value());
}

BOOST_AUTO_TEST_CASE(a_restarted_redis_makes_everything_suspect) {
  BOOST_REQUIRE(writer.put_if_newer("k", 1, "v", 60s));
  BOOST_REQUIRE(taken("k").value().has_value());
  server.restart();  // another run: its data may be an old snapshot's
  // The pool reconnects and, seeing the new run, reads nothing until the
  // workers have wiped memoryd's keys.
  BOOST_TEST(eventually(5s, [&] {
    uint64_t generation = 0;
    return pending->everything(generation);
  }));
  BOOST_TEST(!taken("k").has_value());
}

BOOST_AUTO_TEST_CASE(a_hung_redis_costs_a_read_one_timeout_then_nothing) {
  BOOST_REQUIRE(writer.put_if_newer("k", 1, "v", 60s));
  server.pause();  // the kernel still accepts, nobody answers
  auto started = std::chrono::steady_clock::now();
  auto during = taken("k");
  BOOST_REQUIRE(during.has_value());  // taken before the hang was known
  BOOST_TEST(!during->has_value(), "a timeout is a miss");
  BOOST_TEST_MESSAGE("answered after "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count()
                     << " ms");
  // Then the connections are down (or handshaking): the reads go to the
  // workers at once instead of waiting.
  BOOST_TEST(eventually(2s, [&] { return !taken("k").has_value(); }));

  server.resume();
  BOOST_TEST(eventually(5s, [&] {
    auto r = taken("k");
    return r && r->has_value();
  }));
}

BOOST_AUTO_TEST_CASE(a_dead_redis_is_declined_until_it_is_back) {
  BOOST_REQUIRE(writer.put_if_newer("k", 1, "v", 60s));
  server.kill();
  BOOST_TEST(eventually(2s, [&] { return !taken("k").has_value(); }));
  server.restart();
  // Back, and empty: reads are taken again (after the workers settle the
  // restart) and miss.
  BOOST_TEST(eventually(5s, [&] {
    uint64_t generation = 0;
    if (pending->everything(generation))
      pending->flushed(generation);  // what a worker does after its wipe
    auto r = taken("k");
    return r && !r->has_value();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(resolves_a_name_authenticates_and_selects_the_database) {
  redis_process server{"s3cret"};
  redis_options options;
  options.host = "localhost";  // resolved without blocking; IPv4 first
  options.port = server.port();
  options.password = "s3cret";
  options.db = 3;
  redis_client writer{options};
  BOOST_REQUIRE_MESSAGE(writer.put_if_newer("k", 1, "in db 3", 60s),
                        writer.last_error());
  boost::asio::io_context io;
  redis_read_pool pool{options, std::make_shared<pending_invalidations>(10)};
  pool.start({&io});
  std::optional<entry> found;
  bool asked = false, answered = false;
  // Runs the io_context until the read is answered: ready first, then read.
  BOOST_TEST(eventually(5s, [&] {
    io.run_for(10ms);
    if (!asked)
      asked = pool.get("k", [&](std::optional<entry> e) {
        found = std::move(e);
        answered = true;
      });
    io.run_for(10ms);
    return answered;
  }));
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(found->value == "in db 3");
  pool.close();
  io.run_for(100ms);
}
