// Gapless version numbers under concurrent writers: 16 clients x 20 new
// versions on one site, spread over two memoryd processes on one PostgreSQL
// database (one process on SQLite). Versions are exactly 1..321 and every
// acknowledged number holds that request's code. Then writers of many sites
// at once, whose versions the daemon folds into shared transactions, while
// one session's sites are deleted under them: the refused parts fail alone.

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/database_probe.hpp"
#include "tests/support/eventually.hpp"

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

namespace {

/// A new site of `session`, its path.
std::string create_site(api_client& c, const std::string& session,
                        const std::string& name) {
  auto created = c.post("/api/sessions/" + session + "/sites",
                        {{"name", name}, {"code", "v1"}});
  BOOST_TEST_REQUIRE(created.status == 201u);
  return "/api/sessions/sites/"
         + std::string{created.object().at("site_id").as_string()};
}

/// Sites of two sessions: those of `kept` stay; those of `doomed` go with
/// their session, which a test deletes.
struct kept_and_doomed {
  std::string kept;
  std::string doomed;
  std::vector<std::string> kept_paths;
  std::vector<std::string> doomed_paths;

  kept_and_doomed(api_client& c, int kept_sites, int doomed_sites)
    : kept(c.create_session().at("session_id").as_string()),
      doomed(c.create_session().at("session_id").as_string()) {
    for (int s = 0; s < kept_sites; ++s)
      kept_paths.push_back(create_site(c, kept, "kept " + std::to_string(s)));
    for (int s = 0; s < doomed_sites; ++s)
      doomed_paths.push_back(create_site(c, doomed, "doomed " + std::to_string(s)));
  }
};

} // namespace

// 16 writers over 8 kept sites, 4 over 2 sites of a session deleted while
// they write. Every kept write succeeds, each kept site's versions are
// gapless and hold what was acknowledged; a doomed site's writes succeed
// until the delete and get 404 after it, never anything else. Three site
// actors (SITE_SHARDS), so that folds of several actors meet in the
// database; the other tests run the default one.
BOOST_AUTO_TEST_CASE(a_refused_site_fails_alone_among_many) {
  constexpr int kept_sites = 8;
  constexpr int kept_writers = 16;
  constexpr int versions_per_writer = 15;
  constexpr int doomed_writers = 4;
  auto backend = make_backend();
  auto env = backend.env;
  env["SITE_SHARDS"] = "3";
  daemon_process daemon{env};
  api_client setup{daemon.port()};
  kept_and_doomed sites{setup, kept_sites, 2};
  const auto& kept_paths = sites.kept_paths;
  const auto& doomed_paths = sites.doomed_paths;

  std::mutex mutex;
  std::vector<std::map<int64_t, std::string>> acknowledged(kept_sites);
  std::vector<std::string> unexpected;  // what no writer should get
  std::atomic<int> doomed_written{0};
  std::atomic<int> doomed_refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kept_writers; ++t)
    threads.emplace_back([&, t] {
      api_client c{daemon.port()};
      const auto site = static_cast<std::size_t>(t % kept_sites);
      for (int i = 0; i < versions_per_writer; ++i) {
        auto code = "writer " + std::to_string(t) + " version " + std::to_string(i);
        auto r = c.post(kept_paths[site] + "/versions", {{"code", code}});
        std::lock_guard<std::mutex> guard{mutex};
        if (r.status != 201) {
          unexpected.push_back("kept: " + std::to_string(r.status) + " " + r.raw.body);
          continue;
        }
        auto n = r.object().at("version").as_int64();
        if (!acknowledged[site].emplace(n, code).second)
          unexpected.push_back("kept: version " + std::to_string(n) + " twice");
      }
    });
  for (int t = 0; t < doomed_writers; ++t)
    threads.emplace_back([&, t] {
      api_client c{daemon.port()};
      const auto& path = doomed_paths[static_cast<std::size_t>(t) % 2];
      for (int i = 0; i < 10000; ++i) {  // until the delete refuses it
        auto r = c.post(path + "/versions", {{"code", "doomed " + std::to_string(i)}});
        if (r.status == 201) {
          ++doomed_written;
          continue;
        }
        if (r.status == 404 && r.error_type() == "not_found")
          ++doomed_refused;
        else {
          std::lock_guard<std::mutex> guard{mutex};
          unexpected.push_back("doomed: " + std::to_string(r.status) + " " + r.raw.body);
        }
        return;
      }
    });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (doomed_written < 20 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::yield();
  BOOST_TEST(setup.del("/api/sessions/" + sites.doomed).status == 204u);
  for (auto& th : threads)
    th.join();

  BOOST_TEST(unexpected.empty(), unexpected.size() << " unexpected answers, first: "
                                   << (unexpected.empty() ? "" : unexpected.front()));
  BOOST_TEST(doomed_refused == doomed_writers);
  constexpr auto per_site = kept_writers / kept_sites * versions_per_writer;
  for (int s = 0; s < kept_sites; ++s) {
    const auto& numbers = acknowledged[static_cast<std::size_t>(s)];
    BOOST_TEST_REQUIRE(numbers.size() == std::size_t{per_site}, "site " << s);
    BOOST_TEST(numbers.begin()->first == 2);
    BOOST_TEST(numbers.rbegin()->first == 1 + per_site);
    for (const auto& [n, code] : numbers) {
      auto v = setup.get(kept_paths[static_cast<std::size_t>(s)] + "/versions/"
                         + std::to_string(n));
      BOOST_TEST_REQUIRE(v.status == 200u);
      BOOST_TEST(v.object().at("code").as_string() == code, "site " << s << " version " << n);
    }
  }
  for (const auto& path : doomed_paths)
    BOOST_TEST(setup.get(path).status == 404u);
}

// The same, made certain to happen: with the database's version writes held
// back, the first folds wait in it while the versions of every other site,
// the deleted one's among them, gather into the next fold of their shard.
// When the writes are let go, that fold commits every kept site's version
// and refuses the deleted site's alone.
BOOST_AUTO_TEST_CASE(a_fold_commits_around_its_refused_part) {
  // Enough that kept sites surely wait beside the doomed one in its site
  // actor (one by default), and not so many that folds (32 sites each)
  // leave it alone in the last.
  constexpr int kept_sites = 40;
  auto backend = make_backend();
  daemon_process daemon{backend.env};
  api_client setup{daemon.port()};
  kept_and_doomed sites{setup, kept_sites, 1};
  const auto& kept_paths = sites.kept_paths;
  const auto& doomed_path = sites.doomed_paths.front();
  BOOST_TEST_REQUIRE(setup.del("/api/sessions/" + sites.doomed).status == 204u);

  database_probe probe{backend.env.at("DATABASE_URL")};
  probe.hold_version_writes();
  std::vector<unsigned> statuses(kept_sites + 1);
  std::vector<std::thread> threads;
  threads.reserve(kept_sites + 1);
  auto post = [&](std::size_t i, const std::string& path) {
    threads.emplace_back([&, i, path] {
      api_client c{daemon.port()};
      statuses[i] = c.post(path + "/versions", {{"code", "held " + std::to_string(i)}}).status;
    });
  };
  // Ordering only (the assertions hold whatever the timing): every kept
  // version is in the daemon, the first ones in the folds that wait in the
  // database, before the doomed one comes; it too before the writes go on.
  // Requests in flight count from their first byte to their answer.
  auto all_in = [&](std::size_t n) {
    return eventually(std::chrono::seconds{10}, [&] {
      auto stats = setup.get("/admin/stats").object();
      return stats.at("requests").at("in_flight").as_int64()
             >= static_cast<int64_t>(n);
    });
  };
  for (std::size_t i = 0; i < kept_sites; ++i)
    post(i, kept_paths[i]);
  BOOST_TEST(all_in(kept_sites));
  post(kept_sites, doomed_path);
  BOOST_TEST(all_in(kept_sites + 1));
  probe.release_version_writes();
  for (auto& th : threads)
    th.join();

  for (std::size_t i = 0; i < kept_sites; ++i) {
    BOOST_TEST(statuses[i] == 201u, "kept site " << i);
    auto view = setup.get(kept_paths[i]);
    BOOST_TEST(view.object().at("version_count").as_int64() == 2, "kept site " << i);
  }
  BOOST_TEST(statuses[kept_sites] == 404u);

  // What operators see: the held versions went into fewer transactions
  // than sites, the doomed part was undone alone, no fold failed. (The
  // sites' first versions are written with the sites, not in folds.)
  auto figures = setup.get("/admin/stats").object().at("versions").as_object();
  BOOST_TEST(figures.at("sites").as_int64() == kept_sites);
  BOOST_TEST(figures.at("versions").as_int64() == kept_sites);
  BOOST_TEST(figures.at("refused_sites").as_int64() == 1);
  BOOST_TEST(figures.at("failed_folds").as_int64() == 0);
  BOOST_TEST(figures.at("folds").as_int64() < kept_sites);
  BOOST_TEST(figures.at("versions_per_fold").as_double() > 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
