#include "cache/lru_cache.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace std::chrono_literals;
using memoryd::cache::lru_cache;
using memoryd::cache::tombstone_revision;
using memoryd::cache::tombstone_ttl;

namespace {

// Time is injected: no test here sleeps.
const lru_cache::clock::time_point t0{};

std::size_t cost(const std::string& key, const std::string& value) {
  return key.size() + value.size() + lru_cache::entry_overhead;
}

} // namespace

BOOST_AUTO_TEST_SUITE(lru)

BOOST_AUTO_TEST_CASE(hit_and_miss) {
  lru_cache cache{1 << 20};
  BOOST_TEST(!cache.get("a", t0));
  BOOST_TEST(cache.put_if_newer("a", 1, "alpha", 60s, t0));
  auto hit = cache.get("a", t0);
  BOOST_REQUIRE(hit);
  BOOST_TEST(hit->revision == 1);
  BOOST_TEST(hit->value == "alpha");
  BOOST_TEST(!cache.get("b", t0));
  BOOST_TEST(cache.entries() == 1u);
  BOOST_TEST(cache.bytes() == cost("a", "alpha"));
  BOOST_TEST(cache.max_bytes() == std::size_t{1 << 20});
}

BOOST_AUTO_TEST_CASE(entries_expire_at_their_ttl) {
  lru_cache cache{1 << 20};
  cache.put_if_newer("short", 1, "s", 10s, t0);
  cache.put_if_newer("long", 1, "l", 20s, t0);
  BOOST_TEST(cache.get("short", t0 + 10s - 1ms).has_value());
  BOOST_TEST(!cache.get("short", t0 + 10s));
  BOOST_TEST(cache.entries() == 1u); // the expired one was removed
  BOOST_TEST(cache.get("long", t0 + 20s - 1ms).has_value());
  BOOST_TEST(!cache.get("long", t0 + 20s));
  BOOST_TEST(cache.entries() == 0u);
  BOOST_TEST(cache.bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(a_non_positive_ttl_stores_nothing) {
  lru_cache cache{1 << 20};
  BOOST_TEST(!cache.put_if_newer("k", 1, "v", 0s, t0));
  BOOST_TEST(!cache.put_if_newer("k", 1, "v", -5s, t0));
  BOOST_TEST(cache.entries() == 0u);
}

BOOST_AUTO_TEST_CASE(evicts_the_least_recently_used_first) {
  const std::string value(100, 'x');
  lru_cache cache{3 * cost("k1", value)}; // room for exactly three
  cache.put_if_newer("k1", 1, value, 60s, t0);
  cache.put_if_newer("k2", 1, value, 60s, t0);
  cache.put_if_newer("k3", 1, value, 60s, t0);
  BOOST_REQUIRE(cache.get("k1", t0)); // k2 is now the oldest

  BOOST_TEST(cache.put_if_newer("k4", 1, value, 60s, t0));
  BOOST_TEST(cache.evictions() == 1u);
  BOOST_TEST(!cache.get("k2", t0));
  BOOST_TEST(cache.bytes() == 3 * cost("k1", value));

  // Order, newest first: k4 k1 k3, so k3 goes next.
  BOOST_TEST(cache.put_if_newer("k5", 1, value, 60s, t0));
  BOOST_TEST(cache.evictions() == 2u);
  BOOST_TEST(!cache.get("k3", t0));
  for (auto key : {"k1", "k4", "k5"})
    BOOST_TEST(cache.get(key, t0).has_value(), key);
  BOOST_TEST(cache.bytes() <= cache.max_bytes());
}

BOOST_AUTO_TEST_CASE(dropping_expired_entries_is_not_counted_as_eviction) {
  const std::string value(100, 'x');
  lru_cache cache{2 * cost("k1", value)};
  cache.put_if_newer("k1", 1, value, 1s, t0);
  cache.put_if_newer("k2", 1, value, 60s, t0);
  BOOST_TEST(cache.put_if_newer("k3", 1, value, 60s, t0 + 2s));
  BOOST_TEST(cache.evictions() == 0u);
  BOOST_TEST(cache.get("k2", t0 + 2s).has_value());
  BOOST_TEST(cache.get("k3", t0 + 2s).has_value());
}

BOOST_AUTO_TEST_CASE(a_value_larger_than_the_budget_is_refused) {
  lru_cache cache{1000};
  cache.put_if_newer("small", 1, "v", 60s, t0);
  const auto before = cache.bytes();

  const std::string too_big(1000, 'x');
  BOOST_TEST(!cache.put_if_newer("big", 1, too_big, 60s, t0));
  BOOST_TEST(cache.bytes() == before);
  BOOST_TEST(cache.evictions() == 0u);
  BOOST_TEST(cache.get("small", t0).has_value());

  // Exactly the budget fits, at the price of everything else.
  const std::string exact(1000 - cost("big", ""), 'x');
  BOOST_TEST(cache.put_if_newer("big", 1, exact, 60s, t0));
  BOOST_TEST(cache.bytes() == 1000u);
  BOOST_TEST(!cache.get("small", t0));
}

BOOST_AUTO_TEST_CASE(a_refused_newer_value_drops_the_stale_one) {
  lru_cache cache{1000};
  cache.put_if_newer("k", 1, "old", 60s, t0);
  BOOST_TEST(!cache.put_if_newer("k", 2, std::string(2000, 'x'), 60s, t0));
  BOOST_TEST(!cache.get("k", t0));
  BOOST_TEST(cache.bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(an_older_revision_never_replaces_a_newer_one) {
  lru_cache cache{1 << 20};
  BOOST_TEST(cache.put_if_newer("k", 5, "five", 60s, t0));
  BOOST_TEST(!cache.put_if_newer("k", 4, "four", 60s, t0));
  BOOST_TEST(!cache.put_if_newer("k", 5, "five again", 60s, t0));
  BOOST_TEST(cache.get("k", t0)->value == "five");
  BOOST_TEST(cache.put_if_newer("k", 6, "six", 60s, t0));
  auto hit = cache.get("k", t0);
  BOOST_REQUIRE(hit);
  BOOST_TEST(hit->revision == 6);
  BOOST_TEST(hit->value == "six");
  BOOST_TEST(cache.entries() == 1u);
  BOOST_TEST(cache.bytes() == cost("k", "six"));
}

BOOST_AUTO_TEST_CASE(an_expired_entry_does_not_block_an_older_revision) {
  lru_cache cache{1 << 20};
  cache.put_if_newer("k", 9, "nine", 10s, t0);
  BOOST_TEST(cache.put_if_newer("k", 3, "three", 10s, t0 + 10s));
  BOOST_TEST(cache.get("k", t0 + 10s)->revision == 3);
}

BOOST_AUTO_TEST_CASE(a_tombstone_blocks_fills_until_it_expires) {
  lru_cache cache{1 << 20};
  cache.put_if_newer("k", 1, "one", 600s, t0);
  cache.invalidate("k", t0);
  BOOST_TEST(!cache.get("k", t0));
  BOOST_TEST(cache.entries() == 1u); // the tombstone itself
  BOOST_TEST(cache.bytes() == cost("k", ""));

  BOOST_TEST(!cache.put_if_newer("k", 2, "two", 600s, t0 + 1s));
  BOOST_TEST(!cache.put_if_newer("k", tombstone_revision - 1, "late", 600s,
                                 t0 + tombstone_ttl - 1ms));
  BOOST_TEST(!cache.get("k", t0 + tombstone_ttl - 1ms));

  BOOST_TEST(cache.put_if_newer("k", 2, "two", 600s, t0 + tombstone_ttl));
  BOOST_TEST(cache.get("k", t0 + tombstone_ttl)->value == "two");
}

BOOST_AUTO_TEST_CASE(invalidating_again_restarts_the_tombstone) {
  lru_cache cache{1 << 20};
  cache.invalidate("k", t0);
  cache.invalidate("k", t0 + 100s);
  BOOST_TEST(!cache.put_if_newer("k", 1, "v", 60s, t0 + tombstone_ttl));
  BOOST_TEST(cache.put_if_newer("k", 1, "v", 60s, t0 + 100s + tombstone_ttl));
}

BOOST_AUTO_TEST_CASE(byte_accounting_returns_to_zero) {
  lru_cache cache{10'000};
  for (int i = 0; i < 200; ++i) {
    auto key = "key" + std::to_string(i % 50);
    auto now = t0 + std::chrono::seconds{i};
    // Mixed sizes, overwrites, refusals, evictions and tombstones.
    cache.put_if_newer(key, i, std::string(37 * (i % 13), 'v'), 30s, now);
    if (i % 7 == 0)
      cache.invalidate("key" + std::to_string(i % 11), now);
    BOOST_TEST_REQUIRE(cache.bytes() <= cache.max_bytes());
  }
  BOOST_TEST(cache.evictions() > 0u);
  BOOST_TEST(cache.bytes() > 0u);
  auto later = t0 + 200s + tombstone_ttl;
  for (int i = 0; i < 50; ++i)
    BOOST_TEST(!cache.get("key" + std::to_string(i), later));
  BOOST_TEST(cache.entries() == 0u);
  BOOST_TEST(cache.bytes() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
