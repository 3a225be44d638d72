// Idempotency-Key over real sockets: a repeat gets the first answer again
// and writes nothing; another body is 409; concurrent repeats on two
// daemons write once; a replay survives a restart; keys expire with the
// nightly cleanup.

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/database_probe.hpp"
#include "tests/e2e/expect_error.hpp"
#include "tests/e2e/tenants.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

api_reply post_with_key(api_client& c, const std::string& target,
                        const std::string& body, const std::string& key) {
  return c.call("POST", target, body, {{"Idempotency-Key", key}});
}

/// How many versions the site has.
std::size_t version_count(api_client& c, const std::string& site) {
  return c.item_count("/api/sessions/sites/" + site + "/versions?limit=100");
}

/// The same answer: status, body and the headers a client acts on.
void expect_same_answer(const api_reply& first, const api_reply& again,
                        const std::string& what) {
  BOOST_TEST(again.status == first.status, what);
  BOOST_TEST(again.raw.body == first.raw.body, what);
  BOOST_TEST(again.header("Location") == first.header("Location"), what);
  BOOST_TEST(again.header("ETag") == first.header("ETag"), what);
  BOOST_TEST(again.header("Idempotent-Replayed") == "true", what);
  BOOST_TEST(first.header("Idempotent-Replayed") == "", what);
}

} // namespace

BOOST_AUTO_TEST_SUITE(idempotency)

// Every kind of POST (and a PUT) repeated with its key: the first answer
// again, and nothing written twice; the same key with another body is 409.
BOOST_AUTO_TEST_CASE(a_repeat_gets_the_first_answer_and_writes_nothing) {
  tenant_daemon d;
  auto c = d.as(d.acme);
  const auto prefix = random_token() + "-";
  struct step {
    std::string name;
    std::string target;
    std::string body;
    std::string other_body;
  };
  auto first = post_with_key(c, "/api/sessions", R"({"user_id":"idem"})",
                             prefix + "session");
  BOOST_TEST_REQUIRE(first.status == 201u);
  const auto session = text(first.json, "session_id");
  auto sites = post_with_key(c, "/api/sessions/" + session + "/sites",
                             R"({"name":"S","code":"<h1>1</h1>"})",
                             prefix + "site");
  BOOST_TEST_REQUIRE(sites.status == 201u);
  const auto site = text(sites.json, "site_id");
  const auto x = "/api/sessions/sites/" + site;
  const std::vector<step> steps = {
    {"session", "/api/sessions", R"({"user_id":"idem"})",
     R"({"user_id":"other"})"},
    {"site", "/api/sessions/" + session + "/sites",
     R"({"name":"S","code":"<h1>1</h1>"})", R"({"name":"T","code":"x"})"},
    {"version", x + "/versions", R"({"code":"<h1>2</h1>"})",
     R"({"code":"<h1>3</h1>"})"},
    {"audit", x + "/audits", R"({"version":1,"score":70})",
     R"({"version":1,"score":71})"},
    {"deployment", x + "/deployments", R"({"version":1,"status":"pending"})",
     R"({"version":1,"status":"failed"})"},
  };
  for (const auto& s : steps) {
    // The session and the site were posted above already.
    auto one = s.name == "session" ? first
               : s.name == "site"  ? sites
                                   : post_with_key(c, s.target, s.body,
                                                   prefix + s.name);
    BOOST_TEST(one.status == 201u, s.name << ": " << one.raw.body);
    auto two = post_with_key(c, s.target, s.body, prefix + s.name);
    expect_same_answer(one, two, s.name);
    expect_error(post_with_key(c, s.target, s.other_body, prefix + s.name),
                 409, "conflict", s.name + " with another body");
  }
  // One session, two sites, one new version, one audit, one deployment.
  BOOST_TEST(c.item_count("/api/sessions?user_id=idem") == 1u);
  BOOST_TEST(c.item_count("/api/sessions/" + session + "/sites") == 1u);
  BOOST_TEST(version_count(c, site) == 2u);
  auto view = c.get(x);
  BOOST_TEST(view.object().at("audits").as_array().size() == 1u);
  BOOST_TEST(view.object().at("deployments").as_array().size() == 1u);

  // A PUT repeated with its key: the revision moves once.
  const std::string put_key = prefix + "put";
  auto put = c.call("PUT", "/api/sessions/" + session, R"({"state":{"n":1}})",
                    {{"Idempotency-Key", put_key}});
  auto put_again = c.call("PUT", "/api/sessions/" + session,
                          R"({"state":{"n":1}})", {{"Idempotency-Key", put_key}});
  expect_same_answer(put, put_again, "put");
  BOOST_TEST(c.get("/api/sessions/" + session).object().at("revision").as_int64()
             == 2);

  // An import repeated: one new session, not two.
  auto exported = c.post("/api/sessions/export",
                         {{"session_id", session}, {"compress", true}});
  const auto backup = json::serialize(json::object{
    {"data", exported.object().at("data")}, {"compressed", true}});
  auto imported = post_with_key(c, "/api/sessions/import", backup, prefix + "imp");
  BOOST_TEST_REQUIRE(imported.status == 201u);
  expect_same_answer(imported,
                     post_with_key(c, "/api/sessions/import", backup,
                                   prefix + "imp"),
                     "import");
  BOOST_TEST(c.item_count("/api/sessions?user_id=idem") == 2u);

  // A DELETE repeated with its key: 204 again, not 404.
  auto gone = c.call("DELETE", "/api/sessions/" + session, {},
                     {{"Idempotency-Key", prefix + "delete"}});
  BOOST_TEST(gone.status == 204u);
  auto gone_again = c.call("DELETE", "/api/sessions/" + session, {},
                           {{"Idempotency-Key", prefix + "delete"}});
  BOOST_TEST(gone_again.status == 204u);
  BOOST_TEST(gone_again.header("Idempotent-Replayed") == "true");
  BOOST_TEST(c.item_count("/api/sessions?user_id=idem") == 1u);
}

// A key is the client's own: another tenant's same key is another key, and
// a malformed key is refused before anything happens.
BOOST_AUTO_TEST_CASE(keys_are_per_tenant_and_checked) {
  tenant_daemon d;
  auto acme = d.as(d.acme);
  auto zeta = d.as(d.zeta);
  auto a = post_with_key(acme, "/api/sessions", "{}", "shared-key");
  auto z = post_with_key(zeta, "/api/sessions", "{}", "shared-key");
  BOOST_TEST_REQUIRE(a.status == 201u);
  BOOST_TEST_REQUIRE(z.status == 201u);
  BOOST_TEST(text(a.json, "session_id") != text(z.json, "session_id"));
  BOOST_TEST(z.header("Idempotent-Replayed") == "");
  for (std::string bad : {std::string(256, 'k'), std::string{"has space"},
                          std::string{"t\xc3\xa4st"}})
    expect_error(post_with_key(acme, "/api/sessions", "{}", bad), 400,
                 "validation", "key " + bad.substr(0, 20));
}

// 16 clients send the same keyed version at once, half of them to a second
// daemon on the same database: one version is written, and every client
// gets its answer.
BOOST_AUTO_TEST_CASE(concurrent_repeats_on_two_daemons_write_once) {
  tenant_daemon d;
  daemon_process second{d.env()};
  auto c = d.as(d.acme);
  auto session = text(c.create_session(), "session_id");
  auto site = text(c.post("/api/sessions/" + session + "/sites",
                          {{"name", "S"}, {"code", "<h1>1</h1>"}})
                     .json,
                   "site_id");
  const auto target = "/api/sessions/sites/" + site + "/versions";
  std::vector<std::thread> threads;
  std::vector<api_reply> replies(16);
  for (std::size_t i = 0; i < replies.size(); ++i)
    threads.emplace_back([&, i] {
      api_client client{i % 2 == 0 ? d.daemon->port() : second.port()};
      client.set_token(d.acme);
      replies[i] = post_with_key(client, target, R"({"code":"<h1>2</h1>"})",
                                 "race-" + site);
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> bodies;
  int replayed = 0;
  for (const auto& r : replies) {
    BOOST_TEST(r.status == 201u, r.raw.body);
    bodies.insert(r.raw.body);
    replayed += r.header("Idempotent-Replayed") == "true" ? 1 : 0;
  }
  BOOST_TEST(bodies.size() == 1u);
  BOOST_TEST(replayed == 15);
  BOOST_TEST(version_count(c, site) == 2u);
}

// The key is in the database: a daemon started afterwards replays it.
BOOST_AUTO_TEST_CASE(a_replay_survives_a_restart) {
  tenant_daemon d;
  auto before = d.as(d.acme);
  auto first = post_with_key(before, "/api/sessions", R"({"user_id":"r"})",
                             "restart-key");
  BOOST_TEST_REQUIRE(first.status == 201u);
  BOOST_TEST(d.daemon->stop().value_or(-1) == 0);
  d.daemon = std::make_unique<daemon_process>(d.env());
  auto c = d.as(d.acme);
  expect_same_answer(first,
                     post_with_key(c, "/api/sessions", R"({"user_id":"r"})",
                                   "restart-key"),
                     "after a restart");
  BOOST_TEST(c.item_count("/api/sessions?user_id=r") == 1u);
}

// A key whose answer a memoryd of another version recorded (other result
// types) cannot be replayed: the repeat is told that the write happened,
// writes nothing, and the daemon stays healthy.
BOOST_AUTO_TEST_CASE(a_result_recorded_before_an_upgrade_is_a_conflict) {
  tenant_daemon d;
  auto c = d.as(d.acme);
  auto first = post_with_key(c, "/api/sessions", R"({"user_id":"u"})",
                             "upgrade-key");
  BOOST_TEST_REQUIRE(first.status == 201u);
  database_probe{d.backend.env.at("DATABASE_URL")}.strip_result_layouts();
  auto again = post_with_key(c, "/api/sessions", R"({"user_id":"u"})",
                             "upgrade-key");
  expect_error(again, 409, "conflict", "a repeat of an older memoryd's write");
  BOOST_TEST(again.raw.body.find("earlier version of memoryd")
             != std::string::npos);
  BOOST_TEST(c.item_count("/api/sessions?user_id=u") == 1u);
  auto ready = c.get("/readyz");
  BOOST_TEST(ready.status == 200u, ready.raw.body);
}

// Keys older than IDEMPOTENCY_KEY_HOURS go with the cleanup; the same key
// then makes a new write.
BOOST_AUTO_TEST_CASE(keys_expire_with_the_cleanup) {
  tenant_daemon d;
  auto c = d.as(d.acme);
  auto first = post_with_key(c, "/api/sessions", "{}", "old-key");
  BOOST_TEST_REQUIRE(first.status == 201u);
  database_probe{d.backend.env.at("DATABASE_URL")}.age_idempotency_keys(
    std::chrono::system_clock::now() - std::chrono::hours{25});
  auto run = d.as(d.admin).call("POST", "/admin/cleanup");
  BOOST_TEST_REQUIRE(run.status == 200u);
  // The key above (a write with the client's key carries no other).
  BOOST_TEST(run.object().at("deleted_idempotency_keys").as_int64() == 1);
  auto again = post_with_key(c, "/api/sessions", "{}", "old-key");
  BOOST_TEST(again.status == 201u);
  BOOST_TEST(again.header("Idempotent-Replayed") == "");
  BOOST_TEST(text(again.json, "session_id") != text(first.json, "session_id"));
}

BOOST_AUTO_TEST_SUITE_END()
