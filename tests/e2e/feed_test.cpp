// The change feed (GET /api/events) over real sockets, on the run's
// backend: every write type once, with its agent, in order,
// tenant-scoped; the long poll; bad cursors; 410 after the retention
// cleanup; and a consumer resuming at random points while two daemons
// write, across a restart of one of them. Agents in the metadata and in
// exports: provenance_test.cpp.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/database_probe.hpp"
#include "tests/e2e/expect_error.hpp"
#include "tests/e2e/feed_support.hpp"
#include "tests/e2e/tenants.hpp"

namespace json = boost::json;
using namespace memoryd::test;
using namespace memoryd::test::feed;

namespace {

/// Every write type, each once, by agent "agent-a" (X-Agent-Id); returns
/// the types in the order they were written.
std::vector<std::string> write_everything(api_client& c) {
  const std::string a = "agent-a";
  auto session = text(created(send_as(c, "POST", "/api/sessions",
                                      {{"user_id", "u"}}, a),
                              "session"),
                      "session_id");
  created(send_as(c, "PUT", "/api/sessions/" + session,
                  {{"state", {{"step", 2}}}}, a),
          "update");
  created(send_as(c, "PUT", "/api/sessions/" + session + "/preferences",
                  {{"design_style", "flat"}}, a),
          "preferences");
  auto site = text(created(send_as(c, "POST",
                                   "/api/sessions/" + session + "/sites",
                                   {{"name", "S"}, {"code", "<p>1</p>"}}, a),
                           "site"),
                   "site_id");
  const auto below = "/api/sessions/sites/" + site;
  created(send_as(c, "POST", below + "/versions", {{"code", "<p>2</p>"}}, a),
          "version");
  created(send_as(c, "POST", below + "/versions/1/restore", json::object{},
                  a),
          "restore");
  created(send_as(c, "POST", below + "/audits",
                  {{"version", 2}, {"score", 90}}, a),
          "audit");
  created(send_as(c, "POST", below + "/deployments",
                  {{"version", 2}, {"status", "succeeded"}}, a),
          "deployment");
  created(send_as(c, "POST", below + "/fork", json::object{}, a), "fork");
  auto exported = created(
    send_as(c, "POST", "/api/sessions/export",
            {{"session_id", session}, {"compress", false}}, a),
    "export");
  created(send_as(c, "POST", "/api/sessions/import",
                  {{"data", exported.at("data")}, {"compressed", false}}, a),
          "import");
  auto gone = send_as(c, "DELETE", "/api/sessions/" + session, nullptr, a);
  BOOST_TEST_REQUIRE(gone.status == 204u, gone.raw.body);
  return {"session_created", "session_updated", "preferences_updated",
          "site_created", "version_added", "version_restored",
          "audit_added", "deployment_added", "site_forked",
          "session_imported", "session_deleted"};
}

} // namespace

BOOST_AUTO_TEST_SUITE(feed)

// Each write type appears exactly once, in the order written, with its
// agent; read in pages of 3; another tenant sees none of it.
BOOST_AUTO_TEST_CASE(every_write_appears_once_in_order_per_tenant) {
  tenant_daemon d;
  auto acme = d.as(d.acme);
  auto zeta = d.as(d.zeta);
  std::string zeta_cursor;
  BOOST_TEST(read_all(zeta, zeta_cursor, 0).empty());
  auto expected = write_everything(acme);
  std::string cursor;
  auto events = read_all(acme, cursor, expected.size());
  std::vector<std::string> types;
  std::set<std::string> cursors;
  for (const auto& e : events) {
    types.push_back(std::string{e.at("type").as_string()});
    cursors.insert(std::string{e.at("cursor").as_string()});
    BOOST_TEST(agent(e) == "agent-a", e);
    BOOST_TEST(e.at("at").is_string());
    BOOST_TEST(e.at("session_id").is_string());
  }
  BOOST_TEST(types == expected, boost::test_tools::per_element());
  BOOST_TEST(cursors.size() == events.size());
  BOOST_TEST(events.at(4).at("version").as_int64() == 2);  // version_added
  BOOST_TEST(events.at(5).at("version").as_int64() == 3);  // restored
  BOOST_TEST(events.at(6).at("audit_id").is_string());
  BOOST_TEST(events.at(7).at("deployment_id").is_string());
  BOOST_TEST(events.at(8).at("forked_from_site_id").as_string()
             == events.at(3).at("site_id").as_string());
  // Resuming from the end: nothing new, the same cursor back.
  auto again = feed_page(acme, cursor);
  BOOST_TEST(again.object().at("items").as_array().empty());
  BOOST_TEST(text(again.json, "next_cursor") == cursor);
  // Another tenant's feed, even from acme's cursor, holds nothing.
  BOOST_TEST(read_all(zeta, zeta_cursor, 0).empty());
  BOOST_TEST(feed_page(zeta, "0-0").object().at("items").as_array().empty());
}

// Bad parameters are 400 in the envelope.
BOOST_AUTO_TEST_CASE(bad_cursors_and_parameters_are_400) {
  api_client c{shared_daemon().port()};
  for (const char* target :
       {"/api/events?after=abc", "/api/events?after=1-", "/api/events?after=-1",
        "/api/events?after=1-2-3", "/api/events?after=99999999999999999999-1",
        "/api/events?limit=0", "/api/events?limit=1001",
        "/api/events?wait=31", "/api/events?wait=-1", "/api/events?wait=1.5",
        "/api/events?since=1"})
    expect_error(c.get(target), 400, "validation", target);
}

// A waiting request returns as soon as a write's event is visible; one
// without writes returns after its wait with the cursor it was given.
BOOST_AUTO_TEST_CASE(the_long_poll_returns_on_a_write_and_after_its_wait) {
  tenant_daemon d;
  auto c = d.as(d.acme);
  std::string cursor;
  read_all(c, cursor, 0);
  auto idle = feed_page(c, cursor, 10, 1);
  BOOST_TEST_REQUIRE(idle.status == 200u);
  BOOST_TEST(idle.object().at("items").as_array().empty());
  BOOST_TEST(text(idle.json, "next_cursor") == cursor);
  // The poll waits up to 30 s; the write comes while it waits (it is
  // started first, and the write follows once the poll has been sent).
  api_reply polled;
  std::atomic<bool> sent{false};
  std::thread poller{[&] {
    auto p = d.as(d.acme);
    sent = true;
    polled = feed_page(p, cursor, 10, 30);
  }};
  while (!sent)
    std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds{200});
  c.create_session();
  poller.join();
  BOOST_TEST_REQUIRE(polled.status == 200u, polled.raw.body);
  // Had it not returned on the write, its wait would have ended empty.
  const auto& items = polled.object().at("items").as_array();
  BOOST_TEST_REQUIRE(items.size() == 1u);
  BOOST_TEST(items[0].at("type").as_string() == "session_created");
}

// At most EVENT_MAX_WAITING requests wait; one more is 503 at once. SIGTERM
// answers the waiting one (an empty page) instead of holding the exit.
BOOST_AUTO_TEST_CASE(waiting_is_bounded_and_sigterm_answers_the_waiting) {
  auto backend = make_backend();
  auto env = backend.env;
  env["EVENT_MAX_WAITING"] = "1";
  auto daemon = std::make_unique<daemon_process>(env);
  api_client c{daemon->port()};
  std::string cursor;
  read_all(c, cursor, 0);
  // Two requests wait 30 s: one parks, the other finds it parked and is
  // refused at once; only then does the daemon get SIGTERM.
  api_reply replies[2];
  std::atomic<int> answered{0};
  std::vector<std::thread> waiters;
  for (auto& reply : replies)
    waiters.emplace_back([&] {
      api_client w{daemon->port()};
      reply = feed_page(w, cursor, 10, 30);
      ++answered;
    });
  while (answered == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  BOOST_TEST(daemon->stop().value_or(-1) == 0);
  for (auto& w : waiters)
    w.join();
  auto& refused = replies[0].status == 503u ? replies[0] : replies[1];
  auto& parked = replies[0].status == 503u ? replies[1] : replies[0];
  expect_error(refused, 503, "unavailable", "a second waiting request");
  BOOST_TEST(parked.status == 200u, parked.raw.body);
  BOOST_TEST(parked.object().at("items").as_array().empty());
  BOOST_TEST(text(parked.json, "next_cursor") == cursor);
}

// Events past EVENT_RETENTION_HOURS go with the nightly cleanup: an older
// cursor is 410 with the oldest cursor still available, which reads on.
BOOST_AUTO_TEST_CASE(a_cursor_older_than_the_retention_is_410) {
  tenant_daemon d;
  auto c = d.as(d.acme);
  std::string start = "0-0";
  c.create_session();
  c.create_session();
  std::string cursor;
  BOOST_TEST_REQUIRE(read_all(c, cursor, 2).size() == 2u);
  database_probe{d.backend.env.at("DATABASE_URL")}.age_events(
    std::chrono::system_clock::now() - std::chrono::hours{24 * 8});
  auto run = d.as(d.admin).call("POST", "/admin/cleanup");
  BOOST_TEST_REQUIRE(run.status == 200u, run.raw.body);
  BOOST_TEST(run.object().at("deleted_events").as_int64() == 2);
  c.create_session();
  auto old = feed_page(c, start);
  expect_error(old, 410, "gone", "a cursor before the horizon");
  const auto oldest
    = std::string{old.object().at("error").at("oldest_cursor").as_string()};
  // The reader that was up to date lost nothing: it reads on.
  auto current = read_all(c, cursor, 1);
  BOOST_TEST(current.size() == 1u);
  std::string from_oldest = oldest;
  auto resumed = read_all(c, from_oldest, 1);
  BOOST_TEST(resumed.size() == 1u);
  // Without a cursor: from the oldest kept event.
  std::string fresh;
  BOOST_TEST(read_all(c, fresh, 1).size() == 1u);
}

// A deletion by the retention cleanup is a session_expired event.
BOOST_AUTO_TEST_CASE(cleanup_deletions_are_events) {
  tenant_daemon d;
  auto c = d.as(d.acme);
  auto id = text(c.create_session(), "session_id");
  database_probe{d.backend.env.at("DATABASE_URL")}.set_updated_at(
    id, std::chrono::system_clock::now() - std::chrono::hours{24 * 100});
  auto run = d.as(d.admin).call("POST", "/admin/cleanup");
  BOOST_TEST_REQUIRE(run.status == 200u, run.raw.body);
  std::string cursor;
  auto events = read_all(c, cursor, 2);
  BOOST_TEST_REQUIRE(events.size() == 2u);
  BOOST_TEST(events[1].at("type").as_string() == "session_expired");
  BOOST_TEST(events[1].at("session_id").as_string() == id);
  BOOST_TEST(events[1].at("agent").is_null());
}

// The acceptance test: two daemons on one database take concurrent
// versions of a few sites while a consumer reads the feed in random page
// sizes from either daemon, dropping its client and resuming from its last
// cursor at random points; one daemon restarts halfway. The consumer sees
// every acknowledged version exactly once, and each site's in order.
BOOST_AUTO_TEST_CASE(a_resuming_consumer_sees_every_write_once_across_daemons) {
  tenant_daemon d;
  auto second = std::make_unique<daemon_process>(d.env());
  std::atomic<uint16_t> ports[2] = {d.daemon->port(), second->port()};
  auto setup = d.as(d.acme);
  auto session = text(setup.create_session(), "session_id");
  std::vector<std::string> sites;
  for (int i = 0; i < 4; ++i)
    sites.push_back(text(setup.post("/api/sessions/" + session + "/sites",
                                    {{"name", "S"}, {"code", "v1"}})
                           .json,
                         "site_id"));
  std::string cursor;
  read_all(setup, cursor, 5);  // the setup's events

  std::mutex mutex;
  std::set<std::pair<std::string, int64_t>> acknowledged;
  std::atomic<bool> writing{true};
  std::atomic<int> paused{-1};  // the daemon being restarted
  auto writer = [&](int which, int seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    for (int n = 0; writing; ++n) {
      if (paused == which) {
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
        continue;
      }
      try {
        api_client w{ports[which]};
        w.set_token(d.acme);
        const auto& site = sites[rng() % sites.size()];
        auto r = w.post("/api/sessions/sites/" + site + "/versions",
                        {{"code", "w" + std::to_string(n)}});
        if (r.status == 201u) {
          std::lock_guard lock{mutex};
          acknowledged.emplace(site, r.object().at("version").as_int64());
        }
      } catch (const std::exception&) {
        // The daemon went away mid-request: not acknowledged.
      }
    }
  };
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i)
    writers.emplace_back(writer, i % 2, 100 + i);

  std::map<std::string, std::vector<int64_t>> seen;  // per site, in order
  std::set<std::string> cursors;
  std::size_t duplicates = 0;
  std::mt19937 rng(7);
  auto consume_once = [&](bool wait) {
    api_client r{ports[rng() % 2]};
    r.set_token(d.acme);
    for (int pages = 1 + rng() % 4; pages > 0; --pages) {
      auto page = feed_page(r, cursor, 1 + rng() % 20, wait ? 1 : 0);
      BOOST_TEST_REQUIRE(page.status == 200u, page.raw.body);
      for (const auto& e : page.object().at("items").as_array()) {
        if (!cursors.insert(text(e, "cursor")).second) {
          ++duplicates;
          BOOST_TEST_MESSAGE("seen again after " << cursor << ": " << e);
        }
        if (e.at("type").as_string() == "version_added")
          seen[text(e, "site_id")].push_back(e.at("version").as_int64());
      }
      cursor = text(page.json, "next_cursor");
    }
  };
  const auto phase = std::chrono::seconds{3};
  auto until = std::chrono::steady_clock::now() + phase;
  while (std::chrono::steady_clock::now() < until)
    consume_once(false);
  // Restart the second daemon while the first goes on taking writes.
  paused = 1;
  BOOST_TEST(second->stop().value_or(-1) == 0);
  second = std::make_unique<daemon_process>(d.env());
  ports[1] = second->port();
  paused = -1;
  until = std::chrono::steady_clock::now() + phase;
  while (std::chrono::steady_clock::now() < until)
    consume_once(false);
  writing = false;
  for (auto& w : writers)
    w.join();
  // Drain: every acknowledged write is visible now.
  std::set<std::pair<std::string, int64_t>> delivered;
  auto all_delivered = [&] {
    delivered.clear();
    for (const auto& [site, versions] : seen)
      for (auto v : versions)
        delivered.emplace(site, v);
    return std::includes(delivered.begin(), delivered.end(),
                         acknowledged.begin(), acknowledged.end());
  };
  for (int rounds = 0; rounds < 100 && !all_delivered(); ++rounds)
    consume_once(true);
  BOOST_TEST_MESSAGE(acknowledged.size() << " versions acknowledged, "
                     << delivered.size() << " delivered, " << cursors.size()
                     << " events read");
  BOOST_TEST(duplicates == 0u);
  BOOST_TEST(acknowledged.size() > 20u);
  for (const auto& [site, versions] : seen)
    BOOST_TEST(std::is_sorted(versions.begin(), versions.end()), site);
  // Every acknowledged version exactly once; a write whose answer was lost
  // to the restart may be there too, never twice.
  for (const auto& a : acknowledged)
    BOOST_TEST(delivered.count(a) == 1u, a.first << " v" << a.second);
  std::size_t total = 0;
  for (const auto& [site, versions] : seen)
    total += versions.size();
  BOOST_TEST(total == delivered.size());
}

BOOST_AUTO_TEST_SUITE_END()
