// The shared LRU: the lru_cache rules per key across shards, and readers
// on other threads never see a revision go back while a writer raises it.

#include "cache/shared_lru.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using memoryd::cache::shared_lru;

namespace {

const shared_lru::clock::time_point t0{};

} // namespace

BOOST_AUTO_TEST_SUITE(shared)

BOOST_AUTO_TEST_CASE(the_rules_of_one_lru_hold_per_key) {
  shared_lru cache{1 << 20, 4};
  for (int i = 0; i < 100; ++i) {
    const auto key = "k" + std::to_string(i);
    BOOST_TEST(cache.put_if_newer(key, 2, "v2", 60s, t0));
    BOOST_TEST(!cache.put_if_newer(key, 1, "v1", 60s, t0));  // older: kept out
  }
  BOOST_TEST(cache.entries() == 100u);
  BOOST_TEST(cache.get("k7", t0)->value == "v2");
  cache.invalidate("k7", t0);
  BOOST_TEST(!cache.get("k7", t0));                        // a tombstone
  BOOST_TEST(!cache.put_if_newer("k7", 3, "late", 60s, t0)); // outranked
  BOOST_TEST(cache.put_if_newer("k8", 3, "", 60s, t0));      // a fence
  BOOST_TEST(!cache.get("k8", t0));
  BOOST_TEST(cache.max_bytes() == (1u << 20));
}

BOOST_AUTO_TEST_CASE(a_value_over_a_shards_budget_is_not_cached) {
  shared_lru cache{8 * 1024, 8};  // 1 KB per shard
  BOOST_TEST(!cache.put_if_newer("big", 1, std::string(2000, 'x'), 60s, t0));
  BOOST_TEST(!cache.get("big", t0));
}

BOOST_AUTO_TEST_CASE(readers_never_see_a_revision_go_back) {
  shared_lru cache{1 << 22, 8};
  constexpr int keys = 16;
  constexpr int64_t last = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> went_back{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      std::vector<int64_t> seen(keys, 0);
      while (!done)
        for (int k = 0; k < keys; ++k)
          if (auto e = cache.get("key" + std::to_string(k),
                                 shared_lru::clock::now())) {
            if (e->revision < seen[k]
                || e->value != std::to_string(e->revision))
              ++went_back;
            seen[k] = e->revision;
          }
    });
  for (int64_t rev = 1; rev <= last; ++rev)
    for (int k = 0; k < keys; ++k) {
      // A late fill of an older revision races every new one.
      cache.put_if_newer("key" + std::to_string(k), rev, std::to_string(rev),
                         60s, shared_lru::clock::now());
      cache.put_if_newer("key" + std::to_string(k), rev - 1,
                         std::to_string(rev - 1), 60s,
                         shared_lru::clock::now());
    }
  done = true;
  for (auto& t : readers)
    t.join();
  BOOST_TEST(went_back.load() == 0);
  BOOST_TEST(cache.get("key3", shared_lru::clock::now())->revision == last);
}

BOOST_AUTO_TEST_SUITE_END()
