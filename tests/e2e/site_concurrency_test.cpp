// Gapless version numbers under concurrent writers: 16 clients x 20 new
// versions on one site, spread over two memoryd processes on one PostgreSQL
// database (one process on SQLite). Versions are exactly 1..321 and every
// acknowledged number holds that request's code.

#include <map>
#include <mutex>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"

namespace json = boost::json;
using namespace memoryd::test;

BOOST_AUTO_TEST_SUITE(site_concurrency)

BOOST_AUTO_TEST_CASE(versions_are_gapless_across_processes) {
  constexpr int clients = 16;
  constexpr int versions_per_client = 20;
  auto backend = make_backend();
  std::vector<std::unique_ptr<daemon_process>> daemons;
  daemons.push_back(std::make_unique<daemon_process>(backend.env));
  if (backend.name == "postgresql")
    daemons.push_back(std::make_unique<daemon_process>(backend.env));

  api_client setup{daemons[0]->port()};
  auto session = std::string{setup.create_session().at("session_id").as_string()};
  auto created = setup.post("/api/sessions/" + session + "/sites",
                            {{"name", "contended"}, {"code", "v1"}});
  BOOST_TEST_REQUIRE(created.status == 201u);
  auto path = "/api/sessions/sites/" + std::string{created.object().at("site_id").as_string()};

  std::mutex mutex;
  std::map<int64_t, std::string> acknowledged;  // number -> code sent
  int duplicates = 0;
  int failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      api_client c{daemons[static_cast<std::size_t>(t) % daemons.size()]->port()};
      for (int i = 0; i < versions_per_client; ++i) {
        auto code = "client " + std::to_string(t) + " write " + std::to_string(i);
        auto r = c.post(path + "/versions", {{"code", code}});
        std::lock_guard<std::mutex> guard{mutex};
        if (r.status != 201) {
          ++failures;
          continue;
        }
        auto n = r.object().at("version").as_int64();
        if (!acknowledged.emplace(n, code).second)
          ++duplicates;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  BOOST_TEST(failures == 0);
  BOOST_TEST(duplicates == 0);
  BOOST_TEST_REQUIRE(acknowledged.size() == std::size_t{clients * versions_per_client});
  BOOST_TEST(acknowledged.begin()->first == 2);
  BOOST_TEST(acknowledged.rbegin()->first == 1 + clients * versions_per_client);

  // Each number holds the code of the request it was acknowledged to, read
  // through both processes.
  for (const auto& [n, code] : acknowledged) {
    api_client reader{daemons[static_cast<std::size_t>(n) % daemons.size()]->port()};
    auto v = reader.get(path + "/versions/" + std::to_string(n));
    BOOST_TEST_REQUIRE(v.status == 200u);
    BOOST_TEST(v.object().at("code").as_string() == code, "version " << n);
  }
  // Both processes show the same latest version (the cache is shared or
  // per process, but never behind its own writes).
  for (auto& d : daemons) {
    api_client reader{d->port()};
    auto view = reader.get(path);
    BOOST_TEST(view.object().at("version_count").as_int64()
               == 1 + clients * versions_per_client);
  }
}

BOOST_AUTO_TEST_SUITE_END()
