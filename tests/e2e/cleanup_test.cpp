// The retention cleanup against the real daemon: POST /admin/cleanup, the
// boundary, the cascade down to the cache, two daemons at once, writes
// during a long run, the nightly run at CLEANUP_AT under faketime, and the
// catch-up at start. Old sessions are planted in the database directly.

#include <barrier>
#include <filesystem>
#include <set>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "storage/timestamp.hpp"
#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/database_probe.hpp"
#include "tests/support/eventually.hpp"

namespace json = boost::json;
using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

constexpr auto retention = std::chrono::days{90};  // SESSION_CLEANUP_DAYS

wall_time at(const char* text) {
  return *memoryd::storage::parse_timestamp(text);
}

wall_time now() {
  return std::chrono::system_clock::now();
}

/// A daemon's environment whose nightly run stays out of the test's way.
daemon_process::environment quiet_schedule(daemon_process::environment env) {
  const auto t = std::chrono::system_clock::to_time_t(now() + 12h);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char hhmm[6];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", tm.tm_hour, tm.tm_min);
  env["CLEANUP_AT"] = hhmm;
  return env;
}

std::string faketime_library() {
  for (const char* path : {"/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
                           "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
                           "/usr/lib/faketime/libfaketimeMT.so.1"})
    if (std::filesystem::exists(path))
      return path;
  throw std::runtime_error("libfaketime not found: run MEMORYD_TEST_DEPS=1 "
                           "scripts/install-deps.sh");
}

/// The environment that runs memoryd at a faked wall clock: `faketime`
/// "YYYY-MM-DD hh:mm:ss" stands still, "@YYYY-MM-DD hh:mm:ss" starts there
/// and runs. The steady clock, which CAF's and Asio's timers use, stays
/// real.
daemon_process::environment at_faked_time(daemon_process::environment env,
                                          const std::string& faketime) {
  env["LD_PRELOAD"] = faketime_library();
  env["FAKETIME"] = faketime;
  env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
  return env;
}

api_reply run_cleanup(api_client& c, std::string_view query = "") {
  return c.call("POST", "/admin/cleanup" + std::string{query});
}

const json::object& body(const api_reply& r) {
  BOOST_TEST_REQUIRE(r.status == 200u, "cleanup answered " << r.status << " "
                                                            << r.raw.body);
  return r.object();
}

int64_t field(const api_reply& r, const char* name) {
  return body(r).at(name).as_int64();
}

bool flag(const api_reply& r, const char* name) {
  return body(r).at(name).as_bool();
}

/// A fresh backend whose database holds `expired` sessions tagged
/// "expired", each with a site, last updated an hour past the retention.
struct expired_sessions {
  e2e_backend backend = make_backend();
  database_probe db{backend.env["DATABASE_URL"]};

  explicit expired_sessions(std::size_t expired, std::size_t batch_size = 1000) {
    backend.env["CLEANUP_BATCH_SIZE"] = std::to_string(batch_size);
    db.plant_sessions("expired", expired, now() - retention - 1h);
  }
};

std::string created_id(const api_reply& r, const char* name) {
  BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body);
  return std::string{r.object().at(name).as_string()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(retention_cleanup)

BOOST_AUTO_TEST_CASE(a_dry_run_counts_and_a_run_deletes) {
  expired_sessions setup{3};
  auto& db = setup.db;
  db.plant_sessions("fresh", 2, now() - retention + 1h);
  daemon_process d{quiet_schedule(setup.backend.env)};
  api_client c{d.port()};

  auto bad = run_cleanup(c, "?dry_run=maybe");
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(bad.error_type() == "validation");

  auto dry = run_cleanup(c, "?dry_run=true");
  BOOST_TEST(field(dry, "deleted_sessions") == 3);
  BOOST_TEST(field(dry, "deleted_sites") == 3);
  BOOST_TEST(flag(dry, "dry_run"));
  BOOST_TEST(!flag(dry, "skipped"));
  BOOST_TEST(db.sessions_tagged("expired") == 3);

  auto run = run_cleanup(c, "?dry_run=false");
  BOOST_TEST(field(run, "deleted_sessions") == 3);
  BOOST_TEST(field(run, "deleted_sites") == 3);
  BOOST_TEST(!flag(run, "dry_run"));
  BOOST_TEST(db.sessions_tagged("expired") == 0);
  BOOST_TEST(db.sessions_tagged("fresh") == 2);
  BOOST_TEST(field(run_cleanup(c), "deleted_sessions") == 0);

  auto runs = db.runs();
  BOOST_TEST_REQUIRE(runs.size() == 3u);
  BOOST_TEST(runs[0].dry_run);
  BOOST_TEST(runs[1].outcome == "done");
  BOOST_TEST(runs[1].deleted_sessions == 3);
  BOOST_TEST(runs[1].deleted_sites == 3);
  BOOST_TEST(runs[1].runner.ends_with(":" + std::to_string(d.pid())));
}

// The documented boundary, on a wall clock that stands still: updated 90
// days plus a second ago goes, exactly 90 days or 90 days minus a second
// ago stays.
BOOST_AUTO_TEST_CASE(the_boundary_is_exclusive) {
  auto backend = make_backend();
  const auto frozen = at("2026-06-01T12:00:00Z");
  const auto cutoff = frozen - retention;
  database_probe db{backend.env["DATABASE_URL"]};
  db.plant_sessions("plus_one", 1, cutoff - 1s);
  db.plant_sessions("exactly", 1, cutoff);
  db.plant_sessions("minus_one", 1, cutoff + 1s);
  daemon_process d{at_faked_time(quiet_schedule(backend.env),
                                 "2026-06-01 12:00:00")};
  api_client c{d.port()};

  auto run = run_cleanup(c);
  BOOST_TEST(body(run).at("cutoff").as_string() == "2026-03-03T12:00:00.000000Z");
  BOOST_TEST(field(run, "deleted_sessions") == 1);
  BOOST_TEST(db.sessions_tagged("plus_one") == 0);
  BOOST_TEST(db.sessions_tagged("exactly") == 1);
  BOOST_TEST(db.sessions_tagged("minus_one") == 1);
}

BOOST_AUTO_TEST_CASE(nothing_of_a_deleted_session_remains_in_any_table_or_the_cache) {
  auto backend = make_backend();
  database_probe db{backend.env["DATABASE_URL"]};
  daemon_process d{quiet_schedule(backend.env)};
  api_client c{d.port()};

  auto make_tree = [&] {
    auto session = std::string{c.create_session().at("session_id").as_string()};
    auto site = created_id(c.post("/api/sessions/" + session + "/sites",
                                  {{"name", "home"}, {"code", "<p>1</p>"}}),
                           "site_id");
    const auto below = "/api/sessions/sites/" + site;
    BOOST_TEST(c.post(below + "/versions", {{"code", "<p>2</p>"}}).status == 201u);
    BOOST_TEST(c.post(below + "/audits", {{"version", 2}, {"score", 90}}).status
               == 201u);
    BOOST_TEST(c.post(below + "/deployments",
                      {{"version", 2}, {"status", "succeeded"}})
                 .status
               == 201u);
    return std::pair{session, site};
  };
  const auto [doomed, doomed_site] = make_tree();
  const auto [kept, kept_site] = make_tree();
  const auto session_path = "/api/sessions/" + doomed;
  const auto site_path = "/api/sessions/sites/" + doomed_site;
  // Both in the cache before the cleanup.
  BOOST_TEST(c.get(site_path).status == 200u);
  BOOST_TEST(eventually(5s, [&] {
    return c.get(session_path).header("X-Cache") == "hit";
  }));
  db.set_updated_at(doomed, now() - retention - 1min);

  auto run = run_cleanup(c);
  BOOST_TEST(field(run, "deleted_sessions") == 1);
  BOOST_TEST(field(run, "deleted_sites") == 1);

  BOOST_TEST(c.get(session_path).status == 404u);
  BOOST_TEST(c.get(site_path).status == 404u);
  BOOST_TEST(c.get("/api/sessions/" + kept).status == 200u);
  BOOST_TEST(c.get("/api/sessions/sites/" + kept_site).status == 200u);
  for (const char* table : {"sessions", "user_preferences", "sites"})
    BOOST_TEST(db.count_where(table, "session_id", doomed) == 0, table);
  for (const char* table : {"sites", "site_versions", "audits", "deployments"}) {
    BOOST_TEST(db.count_where(table, "site_id", doomed_site) == 0, table);
    BOOST_TEST(db.count_where(table, "site_id", kept_site) > 0, table);
  }
}

// Enough rows in small batches that the two runs overlap: the second finds
// the lock taken, or (arriving later) the first's run done since it asked.
BOOST_AUTO_TEST_CASE(two_daemons_asked_at_once_run_it_once) {
  constexpr std::size_t planted = 3000;
  expired_sessions setup{planted, 100};
  auto& db = setup.db;
  daemon_process a{quiet_schedule(setup.backend.env)};
  daemon_process b{quiet_schedule(setup.backend.env)};

  std::vector<api_reply> replies(2);
  std::barrier together{2};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([&, i] {
        api_client c{i == 0 ? a.port() : b.port()};
        together.arrive_and_wait();
        replies[i] = run_cleanup(c);
      });
  }
  BOOST_TEST(field(replies[0], "deleted_sessions")
               + field(replies[1], "deleted_sessions")
             == static_cast<int64_t>(planted));
  BOOST_TEST(flag(replies[0], "skipped") != flag(replies[1], "skipped"));
  BOOST_TEST(db.sessions_tagged("expired") == 0);

  std::multiset<std::string> outcomes;
  for (const auto& run : db.runs()) {
    outcomes.insert(run.outcome);
    if (run.outcome == "done")
      BOOST_TEST(run.deleted_sessions == static_cast<long long>(planted));
  }
  BOOST_TEST((outcomes == std::multiset<std::string>{"done", "skipped"}));
  BOOST_TEST(a.log().find("error") == std::string::npos, a.log());
  BOOST_TEST(b.log().find("error") == std::string::npos, b.log());
}

BOOST_AUTO_TEST_CASE(writes_keep_succeeding_during_a_long_cleanup) {
  constexpr std::size_t planted = 4000;
  expired_sessions setup{planted, 50};
  auto& db = setup.db;
  daemon_process d{quiet_schedule(setup.backend.env)};

  // Two requests to one daemon at once: one runs, one is told it runs.
  std::vector<api_reply> replies(2);
  std::atomic<int> answered = 0;
  std::barrier together{3};
  std::vector<std::jthread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      api_client c{d.port()};
      together.arrive_and_wait();
      replies[i] = run_cleanup(c);
      ++answered;
    });
  api_client writer{d.port()};
  together.arrive_and_wait();
  int writes = 0;
  int during = 0;
  while (answered < 2 || writes < 20) {
    auto s = writer.create_session({{"state", {{"n", writes}}}});
    auto path = "/api/sessions/" + std::string{s.at("session_id").as_string()};
    auto put = writer.put(path, {{"state", {{"n", writes + 1}}}});
    BOOST_TEST_REQUIRE(put.status == 200u, put.raw.body);
    ++writes;
    if (answered < 2)
      ++during;
  }
  threads.clear();
  std::multiset<unsigned> statuses{replies[0].status, replies[1].status};
  BOOST_TEST((statuses == std::multiset<unsigned>{200u, 409u}));
  const auto& run = replies[0].status == 200u ? replies[0] : replies[1];
  const auto& refused = replies[0].status == 200u ? replies[1] : replies[0];
  BOOST_TEST(refused.error_type() == "conflict");
  BOOST_TEST(field(run, "deleted_sessions") == static_cast<int64_t>(planted));
  BOOST_TEST(db.sessions_tagged("expired") == 0);
  BOOST_WARN_MESSAGE(during > 0, "no write overlapped the cleanup this time");
  BOOST_TEST_MESSAGE(during << " of " << writes << " writes during the cleanup");
}

BOOST_AUTO_TEST_CASE(a_daemon_stopped_during_a_cleanup_ends_it_after_a_batch) {
  // 400 batches with their 25 ms rests: far longer than the drain.
  constexpr std::size_t planted = 4000;
  expired_sessions setup{planted, 10};
  setup.backend.env["SHUTDOWN_GRACE_MS"] = "100";
  auto& db = setup.db;
  daemon_process d{quiet_schedule(setup.backend.env)};
  std::jthread requester{[port = d.port()] {
    api_client c{port};
    try {
      run_cleanup(c);  // answered or cut off by the shutdown: either is fine
    } catch (const std::exception&) {
      // the connection closed under it
    }
  }};
  BOOST_TEST_REQUIRE(eventually(30s, [&] {
    auto runs = db.runs();
    return !runs.empty() && runs.back().outcome == "running";
  }));
  auto code = d.stop();
  BOOST_TEST_REQUIRE(code.has_value(), d.log());
  BOOST_TEST(*code == 0, d.log());
  auto runs = db.runs();
  BOOST_TEST_REQUIRE(runs.size() == 1u);
  BOOST_TEST(runs[0].outcome == "failed");
  BOOST_TEST(runs[0].deleted_sessions
             == planted - db.sessions_tagged("expired"));
  BOOST_TEST(d.log().find("stopped by shutdown") != std::string::npos, d.log());
}

// The real binary on a wall clock that starts a few seconds before 02:00
// UTC runs the nightly cleanup by itself.
BOOST_AUTO_TEST_CASE(the_nightly_run_starts_at_cleanup_at_by_itself) {
  auto backend = make_backend();
  const auto start = at("2026-11-25T01:59:56Z");
  database_probe db{backend.env["DATABASE_URL"]};
  db.plant_sessions("expired", 5, start - retention - 1h);
  db.plant_sessions("fresh", 1, start - 1h);
  auto env = at_faked_time(backend.env, "@2026-11-25 01:59:56");
  env["CLEANUP_AT"] = "02:00";
  daemon_process d{env};

  BOOST_TEST(eventually(30s, [&] { return db.sessions_tagged("expired") == 0; }),
             d.log());
  BOOST_TEST(db.sessions_tagged("fresh") == 1);
  BOOST_TEST(eventually(5s, [&] {
    return d.log().find("cleanup (schedule): deleted 5 sessions")
           != std::string::npos;
  }), d.log());
  BOOST_TEST(d.log().find("next at 2026-11-25T02:00:00.000000Z")
             != std::string::npos);
}

// A request started just before 02:00 by the faked clock keeps running past
// it (200 batches, each with its 25 ms rest): the nightly run waits for it.
BOOST_AUTO_TEST_CASE(cleanup_at_during_another_run_starts_right_after_it) {
  auto backend = make_backend();
  backend.env["CLEANUP_BATCH_SIZE"] = "10";
  const auto start = at("2026-11-25T01:59:58Z");
  database_probe db{backend.env["DATABASE_URL"]};
  db.plant_sessions("expired", 2000, start - retention - 1h);
  auto env = at_faked_time(backend.env, "@2026-11-25 01:59:58");
  env["CLEANUP_AT"] = "02:00";
  daemon_process d{env};
  api_client c{d.port()};

  BOOST_TEST(field(run_cleanup(c), "deleted_sessions") == 2000);
  BOOST_TEST(eventually(30s, [&] {
    return d.log().find("cleanup (schedule): deleted 0 sessions")
           != std::string::npos;
  }), d.log());
  BOOST_TEST(d.log().find("cleanup (schedule): deferred until the request "
                          "run under way has ended")
               != std::string::npos,
             d.log());
}

BOOST_AUTO_TEST_CASE(a_daemon_whose_last_run_is_two_days_old_catches_up) {
  expired_sessions setup{4};
  auto& db = setup.db;
  db.plant_run("done", now() - 48h, now() - 48h + 1s);
  daemon_process d{quiet_schedule(setup.backend.env)};

  BOOST_TEST(eventually(30s, [&] { return db.sessions_tagged("expired") == 0; }),
             d.log());
  BOOST_TEST(eventually(5s, [&] {
    return d.log().find("cleanup (catch-up): deleted 4 sessions")
           != std::string::npos;
  }), d.log());
  auto runs = db.runs();
  BOOST_TEST_REQUIRE(runs.size() == 2u);
  BOOST_TEST(runs[1].outcome == "done");
  BOOST_TEST(runs[1].deleted_sessions == 4);
}

BOOST_AUTO_TEST_CASE(a_daemon_without_any_recorded_run_waits_for_cleanup_at) {
  expired_sessions setup{2};
  auto& db = setup.db;
  daemon_process d{quiet_schedule(setup.backend.env)};
  // What the start decided is logged before the daemon listens; a catch-up
  // would have been announced there.
  api_client c{d.port()};
  BOOST_TEST(c.get("/healthz").status == 200u);
  BOOST_TEST(db.sessions_tagged("expired") == 2);
  BOOST_TEST(d.log().find("catching up") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
