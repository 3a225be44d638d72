// 16 clients doing read-modify-write with If-Match on one session: every 2xx
// is exactly one revision, and no acknowledged update is lost.

#include <atomic>
#include <set>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"

namespace json = boost::json;
using namespace memoryd::test;

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(if_match_updates_from_16_clients) {
  constexpr int clients = 16;
  constexpr int successes_per_client = 10;
  auto port = shared_daemon().port();
  api_client setup{port};
  auto session = setup.create_session({{"state", json::object{}}});
  auto path = "/api/sessions/" + std::string{session.at("session_id").as_string()};

  std::mutex mutex;
  std::vector<int64_t> acknowledged;  // the revision each 2xx returned
  std::atomic<int> conflicts{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      api_client c{port};
      auto key = "client" + std::to_string(t);
      int done = 0;
      while (done < successes_per_client) {
        auto got = c.get(path);
        if (got.status != 200) {
          ++unexpected;
          return;
        }
        auto state = got.object().at("state").as_object();
        state[key] = done + 1;  // this client's own counter
        auto r = c.put(path, {{"state", state}}, {{"If-Match", got.header("ETag")}});
        if (r.status == 200) {
          ++done;
          std::lock_guard<std::mutex> guard{mutex};
          acknowledged.push_back(r.object().at("revision").as_int64());
        } else if (r.status == 412) {
          ++conflicts;
        } else {
          ++unexpected;
          return;
        }
      }
    });
  }
  for (auto& th : threads)
    th.join();
  BOOST_TEST_REQUIRE(unexpected.load() == 0);
  BOOST_TEST(acknowledged.size() == std::size_t{clients * successes_per_client});
  std::set<int64_t> distinct(acknowledged.begin(), acknowledged.end());
  BOOST_TEST(distinct.size() == acknowledged.size(), "each 2xx its own revision");
  BOOST_TEST(*distinct.begin() == 2);
  BOOST_TEST(*distinct.rbegin() == 1 + clients * successes_per_client);
  auto final_state = setup.get(path);
  BOOST_TEST(final_state.object().at("revision").as_int64()
             == 1 + clients * successes_per_client);
  for (int t = 0; t < clients; ++t)
    BOOST_TEST(final_state.object().at("state").at("client" + std::to_string(t)).as_int64()
                 == successes_per_client,
               "no update of client " << t << " lost");
  BOOST_TEST_MESSAGE("412 conflicts along the way: " << conflicts.load());
}

BOOST_AUTO_TEST_CASE(concurrent_preference_patches_all_apply) {
  constexpr int clients = 8;
  constexpr int patches_per_client = 10;
  auto port = shared_daemon().port();
  api_client setup{port};
  auto session = setup.create_session();
  auto path = "/api/sessions/" + std::string{session.at("session_id").as_string()};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      api_client c{port};
      for (int i = 0; i < patches_per_client; ++i) {
        auto key = "k" + std::to_string(t) + "_" + std::to_string(i);
        if (c.put(path + "/preferences", {{key, i}}).status != 200)
          ++failures;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  BOOST_TEST(failures.load() == 0);
  auto got = setup.get(path);
  BOOST_TEST(got.object().at("preferences").as_object().size()
             == std::size_t{clients * patches_per_client});
  BOOST_TEST(got.object().at("revision").as_int64() == 1 + clients * patches_per_client);
}

BOOST_AUTO_TEST_SUITE_END()
