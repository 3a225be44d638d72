// redis_client against the shared throwaway Redis at MEMORYD_TEST_REDIS_URL.
// Every test works under its own key prefix.

#include "cache/redis_client.hpp"

#include <boost/test/unit_test.hpp>
#include <hiredis/hiredis.h>

#include <barrier>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/raw_redis.hpp"
#include "tests/support/test_env.hpp"

using namespace std::chrono_literals;
using memoryd::cache::redis_client;
using memoryd::cache::redis_options;
using memoryd::cache::tombstone_revision;
using memoryd::cache::tombstone_ttl;
using memoryd::test::eventually;
using memoryd::test::raw_redis;

namespace {

struct shared_redis {
  redis_options options
    = memoryd::cache::parse_redis_url(memoryd::test::redis_url());
  std::string prefix = memoryd::test::unique_name("memoryd:test:cache") + ":";
  redis_client client{options};
  raw_redis raw{options.host, options.port};

  std::string key(const std::string& name) const {
    return prefix + name;
  }
};

// 2 MB of everything a serialized body may hold: NUL bytes, the ':' of our
// own encoding, multi-byte UTF-8, arbitrary binary.
std::string awkward_value(std::size_t size) {
  const std::string utf8 = "ünïcødé ✓ 🚀 日本語 \"json\": {}";
  std::string value;
  value.reserve(size);
  std::minstd_rand rng{42};
  while (value.size() < size) {
    value += utf8;
    value += '\0';
    value += ':';
    for (int i = 0; i < 64; ++i)
      value += static_cast<char>(rng() & 0xff);
  }
  value.resize(size);
  return value;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(redis, shared_redis)

BOOST_AUTO_TEST_CASE(miss_then_hit) {
  BOOST_TEST(client.ping());
  BOOST_TEST(!client.get(key("absent")));
  BOOST_TEST(client.put_if_newer(key("k"), 7, "{\"a\":1}", 60s));
  auto hit = client.get(key("k"));
  BOOST_REQUIRE(hit);
  BOOST_TEST(hit->revision == 7);
  BOOST_TEST(hit->value == "{\"a\":1}");
  // The stored encoding is a contract with other processes and tools.
  BOOST_TEST(raw.command({"GET", key("k")}).str == "7:{\"a\":1}");
  BOOST_TEST(client.connected());
  BOOST_TEST(client.errors() == 0u);
  BOOST_TEST(client.connect_attempts() == 1u);
}

BOOST_AUTO_TEST_CASE(round_trip_of_a_2mb_binary_value) {
  // Bytes, not speed, are under test: on a loaded machine 2 MB may take
  // longer than the default 200 ms command timeout.
  auto roomy = options;
  roomy.command_timeout = 5s;
  redis_client client{roomy};
  const auto value = awkward_value(2 << 20);
  BOOST_TEST(client.put_if_newer(key("big"), 123456789012, value, 60s));
  auto hit = client.get(key("big"));
  BOOST_REQUIRE(hit);
  BOOST_TEST(hit->revision == 123456789012);
  BOOST_TEST(hit->value.size() == value.size());
  BOOST_TEST((hit->value == value));
  BOOST_TEST(client.errors() == 0u, client.last_error());
}

BOOST_AUTO_TEST_CASE(entries_carry_their_ttl) {
  BOOST_REQUIRE(client.put_if_newer(key("k"), 1, "v", 100s));
  auto ttl = raw.integer({"TTL", key("k")});
  BOOST_TEST(ttl > 90);
  BOOST_TEST(ttl <= 100);

  BOOST_REQUIRE(client.invalidate(key("k")));
  ttl = raw.integer({"TTL", key("k")});
  BOOST_TEST(ttl > tombstone_ttl.count() - 10);
  BOOST_TEST(ttl <= tombstone_ttl.count());
}

BOOST_AUTO_TEST_CASE(an_older_revision_never_replaces_a_newer_one) {
  BOOST_TEST(client.put_if_newer(key("k"), 5, "five", 60s));
  BOOST_TEST(!client.put_if_newer(key("k"), 4, "four", 60s));
  BOOST_TEST(!client.put_if_newer(key("k"), 5, "five again", 60s));
  BOOST_TEST(client.get(key("k"))->value == "five");
  BOOST_TEST(client.put_if_newer(key("k"), 6, "six", 60s));
  auto hit = client.get(key("k"));
  BOOST_REQUIRE(hit);
  BOOST_TEST(hit->revision == 6);
  BOOST_TEST(hit->value == "six");
}

BOOST_AUTO_TEST_CASE(a_tombstone_blocks_fills_until_it_expires) {
  BOOST_REQUIRE(client.put_if_newer(key("k"), 1, "one", 60s));
  BOOST_TEST(client.invalidate(key("k")));
  BOOST_TEST(!client.get(key("k")));
  BOOST_TEST(raw.command({"GET", key("k")}).str
             == std::to_string(tombstone_revision) + ":");
  BOOST_TEST(!client.put_if_newer(key("k"), 2, "two", 60s));
  BOOST_TEST(!client.put_if_newer(key("k"), tombstone_revision - 1, "x", 60s));

  // Let the tombstone expire for real, just sooner.
  raw.integer({"PEXPIRE", key("k"), "50"});
  BOOST_TEST(eventually(5s, [&] {
    return client.put_if_newer(key("k"), 2, "two", 60s);
  }));
  BOOST_TEST(client.get(key("k"))->value == "two");
  BOOST_TEST(client.errors() == 0u, client.last_error());
}

BOOST_AUTO_TEST_CASE(many_keys_are_tombstoned_in_one_round_trip) {
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) {
    keys.push_back(key("many" + std::to_string(i)));
    if (i % 2 == 0)  // present or not, each gets its tombstone
      BOOST_REQUIRE(client.put_if_newer(keys.back(), 1, "v", 60s));
  }
  BOOST_TEST(client.invalidate(keys));
  for (const auto& k : {keys.front(), keys[1], keys.back()}) {
    BOOST_TEST(!client.get(k));
    BOOST_TEST(raw.command({"GET", k}).str
               == std::to_string(tombstone_revision) + ":");
    BOOST_TEST(!client.put_if_newer(k, 2, "late fill", 60s));
  }
  BOOST_TEST(client.invalidate(std::vector<std::string>{}));
  BOOST_TEST(client.errors() == 0u, client.last_error());
}

BOOST_AUTO_TEST_CASE(many_puts_go_in_one_round_trip_each_only_if_newer) {
  using memoryd::cache::put_request;
  BOOST_REQUIRE(client.put_if_newer(key("newer there"), 9, "nine", 60s));
  BOOST_REQUIRE(client.invalidate(key("deleted")));
  std::vector<put_request> puts;
  for (int i = 0; i < 300; ++i)
    puts.push_back({key("batch" + std::to_string(i)), i + 1,
                    "value " + std::to_string(i), 60});
  puts.push_back({key("newer there"), 8, "eight", 60});
  puts.push_back({key("deleted"), 2, "late fill", 60});
  puts.push_back({key("fence"), 3, "", 30});
  BOOST_TEST(client.put_if_newer(puts));

  for (int i : {0, 150, 299}) {
    auto hit = client.get(key("batch" + std::to_string(i)));
    BOOST_REQUIRE(hit);
    BOOST_TEST(hit->revision == i + 1);
    BOOST_TEST(hit->value == "value " + std::to_string(i));
  }
  BOOST_TEST(client.get(key("newer there"))->value == "nine");
  BOOST_TEST(raw.command({"GET", key("deleted")}).str
             == std::to_string(tombstone_revision) + ":");
  BOOST_TEST(raw.command({"GET", key("fence")}).str == "3:");  // never served
  const auto ttl = raw.integer({"TTL", key("fence")});
  BOOST_TEST(ttl > 20);
  BOOST_TEST(ttl <= 30);
  BOOST_TEST(!client.put_if_newer(key("fence"), 2, "older fill", 60s));
  BOOST_TEST(client.put_if_newer(std::vector<put_request>{}));
  BOOST_TEST(client.errors() == 0u, client.last_error());
}

BOOST_AUTO_TEST_CASE(a_batch_a_server_forgot_the_script_for_is_taught_again) {
  BOOST_REQUIRE(client.put_if_newer(key("k"), 1, "one", 60s));
  raw.command({"SCRIPT", "FLUSH"});
  BOOST_TEST(client.put_if_newer(std::vector<memoryd::cache::put_request>{
    {key("k"), 2, "two", 60}, {key("j"), 1, "one", 60}}));
  BOOST_TEST(client.get(key("k"))->value == "two");
  BOOST_TEST(client.get(key("j"))->value == "one");
  BOOST_TEST(client.errors() == 0u, client.last_error());
}

BOOST_AUTO_TEST_CASE(malformed_values_are_misses_and_get_replaced) {
  for (auto stored : {"no colon", "12x:abc", ":abc", "-:abc"}) {
    raw.command({"SET", key("k"), stored});
    BOOST_TEST(!client.get(key("k")), stored);
    BOOST_TEST(client.put_if_newer(key("k"), 1, "good", 60s), stored);
    BOOST_TEST(client.get(key("k"))->value == "good");
  }
  BOOST_TEST(client.errors() == 0u, client.last_error());
}

BOOST_AUTO_TEST_CASE(a_server_that_forgot_the_script_is_taught_again) {
  BOOST_REQUIRE(client.put_if_newer(key("k"), 1, "one", 60s));
  raw.command({"SCRIPT", "FLUSH"});
  BOOST_TEST(client.put_if_newer(key("k"), 2, "two", 60s));
  BOOST_TEST(!client.put_if_newer(key("k"), 1, "one", 60s));
  BOOST_TEST(client.get(key("k"))->revision == 2);
  BOOST_TEST(client.errors() == 0u, client.last_error());
}

BOOST_AUTO_TEST_CASE(the_highest_revision_wins_a_race) {
  constexpr int writers = 8;
  constexpr int rounds = 50;
  std::vector<std::unique_ptr<redis_client>> clients;
  for (int w = 0; w < writers; ++w) {
    clients.push_back(std::make_unique<redis_client>(options));
    BOOST_REQUIRE(clients.back()->ping()); // connect before the race
  }
  // stored[w][r]: whether writer w's put of round r was stored.
  std::vector<std::vector<char>> stored(writers, std::vector<char>(rounds));
  std::barrier start_line{writers};
  std::vector<std::jthread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      for (int r = 0; r < rounds; ++r) {
        start_line.arrive_and_wait();
        stored[w][r] = clients[w]->put_if_newer(
          key("race" + std::to_string(r)), w + 1,
          "from writer " + std::to_string(w + 1), 60s);
      }
    });
  threads.clear(); // joins

  for (int r = 0; r < rounds; ++r) {
    auto hit = client.get(key("race" + std::to_string(r)));
    BOOST_REQUIRE(hit);
    BOOST_TEST(hit->revision == writers, "round " << r);
    BOOST_TEST(hit->value == "from writer " + std::to_string(writers));
    // Nothing can outrank the highest revision, so its put always stored.
    BOOST_TEST(stored[writers - 1][r] == 1, "round " << r);
  }
  for (auto& c : clients)
    BOOST_TEST(c->errors() == 0u, c->last_error());
}

BOOST_AUTO_TEST_SUITE_END()
