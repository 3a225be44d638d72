// redis_client when Redis is absent, dies, comes back or hangs: misses and
// skipped writes, never an exception, never a wait past the timeouts, and no
// network traffic at all while backing off.

#include "cache/redis_cache.hpp"
#include "cache/redis_client.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

#include <string>

#include "tests/support/eventually.hpp"
#include "tests/support/raw_redis.hpp"
#include "tests/support/redis_process.hpp"
#include "tests/support/test_env.hpp"

using namespace std::chrono_literals;
using memoryd::cache::redis_client;
using memoryd::cache::redis_options;
using memoryd::test::eventually;
using memoryd::test::raw_redis;
using memoryd::test::redis_process;

namespace {

redis_options loopback(uint16_t port, std::chrono::milliseconds min_backoff,
                       std::chrono::milliseconds max_backoff) {
  redis_options o;
  o.port = port;
  o.connect_timeout = 200ms;
  o.command_timeout = 200ms;
  o.min_backoff = min_backoff;
  o.max_backoff = max_backoff;
  return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(redis_failure)

BOOST_AUTO_TEST_CASE(nobody_listening_is_a_quick_miss_then_no_traffic) {
  // A backoff far longer than the test: no retry may happen in it.
  redis_client client{loopback(memoryd::test::free_port(), 60s, 60s)};
  BOOST_TEST(!client.get("k")); // refused at once
  BOOST_TEST(client.connect_attempts() == 1u);
  BOOST_TEST(client.errors() == 1u);
  BOOST_TEST(!client.connected());
  BOOST_TEST(client.last_error().find("connect") != std::string::npos,
             client.last_error());

  // While backing off, no call touches the network (counted, not timed).
  BOOST_TEST(!client.get("k"));
  BOOST_TEST(!client.put_if_newer("k", 1, "v", 60s));
  BOOST_TEST(!client.invalidate("k"));
  BOOST_TEST(!client.invalidate(std::vector<std::string>{"k", "l"}));
  BOOST_TEST(!client.ping());
  BOOST_TEST(client.connect_attempts() == 1u);
  BOOST_TEST(client.errors() == 1u); // skipped calls are not new errors
}

BOOST_AUTO_TEST_CASE(retries_once_the_backoff_has_passed) {
  redis_client client{loopback(memoryd::test::free_port(), 50ms, 50ms)};
  BOOST_TEST(!client.ping());
  BOOST_TEST(client.connect_attempts() == 1u);
  BOOST_TEST(eventually(5s, [&] {
    client.ping();
    return client.connect_attempts() >= 3;
  }));
}

BOOST_AUTO_TEST_CASE(survives_redis_dying_and_reconnects_when_it_returns) {
  redis_process server;
  redis_client client{loopback(server.port(), 20ms, 200ms)};
  BOOST_REQUIRE(client.put_if_newer("k", 1, "one", 60s));
  BOOST_REQUIRE(client.get("k"));

  server.kill();
  // A big write into the dead connection: hiredis's write(2) meets EPIPE,
  // and the SIGPIPE that comes with it must not end the process.
  BOOST_TEST(!client.put_if_newer("k", 2, std::string(4 << 20, 'x'), 60s));
  BOOST_TEST(!client.get("k"));
  BOOST_TEST(!client.connected());
  BOOST_TEST(client.errors() >= 1u);
  BOOST_TEST_MESSAGE("while down: " << client.last_error());

  server.restart(); // empty, and without our script
  BOOST_TEST(
    eventually(10s, [&] { return client.put_if_newer("k", 3, "three", 60s); }));
  auto hit = client.get("k");
  BOOST_REQUIRE(hit);
  BOOST_TEST(hit->revision == 3);
  BOOST_TEST(hit->value == "three");
  BOOST_TEST(client.connected());
}

BOOST_AUTO_TEST_CASE(a_hanging_redis_costs_one_command_timeout) {
  redis_process server;
  redis_client client{loopback(server.port(), 300ms, 1s)};
  BOOST_REQUIRE(client.put_if_newer("k", 1, "one", 60s));

  server.pause(); // connected, but nobody answers
  // Returns (a hang would never), as a miss caused by the command timeout.
  BOOST_TEST(!client.get("k"));
  BOOST_TEST(client.errors() == 1u);
  BOOST_TEST(client.last_error().find("no reply within") != std::string::npos,
             client.last_error());
  BOOST_TEST_MESSAGE("while stopped: " << client.last_error());

  const auto attempts = client.connect_attempts();
  BOOST_TEST(!client.get("k"));
  BOOST_TEST(client.connect_attempts() == attempts); // backing off: no attempt

  server.resume();
  BOOST_TEST(eventually(10s, [&] { return client.get("k").has_value(); }));
}

BOOST_AUTO_TEST_CASE(authenticates_and_selects_the_database) {
  redis_process server{"s3cret"};
  auto options = loopback(server.port(), 60s, 60s);
  options.password = "s3cret";
  options.db = 2;
  redis_client client{options};
  BOOST_TEST(client.put_if_newer("k", 1, "v", 60s), client.last_error());

  raw_redis raw{"127.0.0.1", server.port()};
  raw.command({"AUTH", "s3cret"});
  raw.command({"SELECT", "2"});
  BOOST_TEST(raw.command({"GET", "k"}).str == "1:v");
  raw.command({"ACL", "SETUSER", "app", "on", ">app-pw", "~*", "+@all"});

  options.username = "app";
  options.password = "app-pw";
  redis_client as_app{options};
  auto hit = as_app.get("k");
  BOOST_REQUIRE_MESSAGE(hit, as_app.last_error());
  BOOST_TEST(hit->value == "v");

  options.password = "not-app-pw";
  redis_client refused{options};
  BOOST_TEST(!refused.get("k"));
  BOOST_TEST(!refused.connected());
  BOOST_TEST(refused.errors() == 1u);
  BOOST_TEST(refused.last_error().find("WRONGPASS") != std::string::npos,
             refused.last_error());
  BOOST_TEST(refused.last_error().find("not-app-pw") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(redis_cache_pending_invalidations)

// A write that cannot reach a Redis that keeps its data must not let the old
// value be served once Redis answers again; nor may any key of a batch of
// puts (a fold's fences) that failed.
BOOST_AUTO_TEST_CASE(a_failed_write_is_never_followed_by_a_stale_hit) {
  redis_process server;
  auto pending = std::make_shared<memoryd::cache::pending_invalidations>(100);
  memoryd::cache::redis_cache cache{loopback(server.port(), 1s, 1s), pending,
                                    "t:*"};
  BOOST_REQUIRE(cache.put_if_newer("t:k", 1, "old", 60s));
  BOOST_REQUIRE(cache.put_if_newer("t:a", 1, "old a", 60s));
  server.pause();
  BOOST_TEST(!cache.get("t:k"));  // times out: the client backs off
  BOOST_TEST(!cache.put_if_newer("t:k", 2, "new", 60s));  // never sent
  BOOST_TEST(pending->size() == 1u);
  BOOST_TEST(!cache.put_if_newer(std::vector<memoryd::cache::put_request>{
    {"t:a", 2, "", 60}, {"t:b", 2, "", 60}}));
  BOOST_TEST(pending->size() == 3u);
  server.resume();
  raw_redis raw{"127.0.0.1", server.port()};
  BOOST_TEST(raw.command({"GET", "t:k"}).str == "1:old");  // still there...
  // ...but never served: the first read deletes it.
  BOOST_TEST(eventually(10s, [&] {
    for (auto key : {"t:k", "t:a", "t:b"})
      cache.get(key);  // a miss while backing off, then settles the key
    return pending->size() == 0;
  }));
  BOOST_TEST(!cache.get("t:k"));
  BOOST_TEST(!cache.get("t:a"));
  BOOST_TEST(pending->size() == 0u);
  BOOST_REQUIRE(cache.put_if_newer("t:k", 2, "new", 60s));
  auto hit = cache.get("t:k");
  BOOST_REQUIRE(hit);
  BOOST_TEST(hit->value == "new");
}

BOOST_AUTO_TEST_CASE(overflow_wipes_the_namespace_before_any_read) {
  redis_process server;
  auto pending = std::make_shared<memoryd::cache::pending_invalidations>(2);
  memoryd::cache::redis_cache cache{loopback(server.port(), 50ms, 200ms),
                                    pending, "t:*"};
  for (auto key : {"t:a", "t:b", "t:c", "t:d"})
    BOOST_REQUIRE(cache.put_if_newer(key, 1, "v", 60s));
  server.kill();
  cache.invalidate("t:a");
  cache.invalidate(std::vector<std::string>{"t:b", "t:c"});
  BOOST_TEST(pending->size() == 2u);  // collapsed: everything is suspect
  server.restart();
  raw_redis raw2{"127.0.0.1", server.port()};
  for (auto key : {"t:a", "t:b", "t:c", "t:d"})
    raw2.command({"SET", key, "1:stale"});  // as if Redis had kept them
  raw2.command({"SET", "other:x", "kept"});
  BOOST_TEST(eventually(5s, [&] { cache.get("t:d"); return pending->size() == 0; }));
  BOOST_TEST(!cache.get("t:d"));
  BOOST_TEST(raw2.command({"EXISTS", "t:a"}).integer == 0);
  BOOST_TEST(raw2.command({"GET", "other:x"}).str == "kept");  // not ours: untouched
}

// Redis restarted from a snapshot taken before later writes: another run
// of the server, whose data nobody may read before it is wiped.
BOOST_AUTO_TEST_CASE(a_restart_from_an_old_snapshot_is_never_read) {
  redis_process server;
  auto pending = std::make_shared<memoryd::cache::pending_invalidations>(100);
  memoryd::cache::redis_cache writer{loopback(server.port(), 200ms, 200ms),
                                     pending, "t:*"};
  memoryd::cache::redis_cache reader{loopback(server.port(), 200ms, 200ms),
                                     pending, "t:*"};
  BOOST_REQUIRE(writer.put_if_newer("t:k", 1, "old", 60s));
  raw_redis{"127.0.0.1", server.port()}.command({"SAVE"});
  BOOST_REQUIRE(writer.put_if_newer("t:k", 2, "new", 60s));
  BOOST_REQUIRE(reader.get("t:k")->value == "new");
  server.restart();  // loads the snapshot: "old" is back
  raw_redis raw{"127.0.0.1", server.port()};
  BOOST_TEST(raw.command({"GET", "t:k"}).str == "1:old");
  for (int i = 0; i < 50; ++i) {
    auto got = reader.get("t:k");
    BOOST_TEST_REQUIRE(!got.has_value(), "read " << i << " served " << got->value);
    std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(raw.command({"EXISTS", "t:k"}).integer == 0);  // wiped
  // The writer's connection broke too (its failed put makes the key
  // pending, which a read clears); caching resumes after its backoff.
  BOOST_TEST(eventually(5s, [&] {
    writer.put_if_newer("t:k", 2, "new", 60s);
    auto hit = reader.get("t:k");
    return hit && hit->value == "new";
  }));
}

BOOST_AUTO_TEST_SUITE_END()
