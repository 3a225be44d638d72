// Provenance over real sockets, on the run's backend: the agent of each
// write (X-Agent-Id, or a token's agent) in the metadata, in exports
// (format_version 2; version 1 still imports) and their imports.

#include <string>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/expect_error.hpp"
#include "tests/e2e/feed_support.hpp"
#include "tests/e2e/tenants.hpp"

namespace json = boost::json;
using namespace memoryd::test;
using namespace memoryd::test::feed;

BOOST_AUTO_TEST_SUITE(provenance)

// Provenance in the metadata: the session's created_by/updated_by, the
// version's, audit's and deployment's agent, the site's created_by.
BOOST_AUTO_TEST_CASE(agents_are_returned_with_what_they_wrote) {
  auto& c0 = shared_daemon();
  api_client c{c0.port()};
  auto s = created(send_as(c, "POST", "/api/sessions", json::object{}, "a1"),
                   "session");
  BOOST_TEST(agent(s, "created_by") == "a1");
  BOOST_TEST(agent(s, "updated_by") == "a1");
  const auto id = text(s, "session_id");
  auto u = created(send_as(c, "PUT", "/api/sessions/" + id,
                           {{"state", json::object{}}}, ""),
                   "update");
  BOOST_TEST(agent(u, "created_by") == "a1");
  BOOST_TEST(agent(u, "updated_by") == "null");  // the last write named none
  auto site = created(send_as(c, "POST", "/api/sessions/" + id + "/sites",
                              {{"name", "S"}, {"code", "x"}}, "a2"),
                      "site");
  BOOST_TEST(agent(site, "created_by") == "a2");
  BOOST_TEST(agent(site.at("latest_version")) == "a2");
  const auto below = "/api/sessions/sites/" + text(site, "site_id");
  auto v = created(send_as(c, "POST", below + "/versions", {{"code", "y"}},
                           "a3"),
                   "version");
  BOOST_TEST(agent(v) == "a3");
  created(send_as(c, "POST", below + "/audits",
                  {{"version", 2}, {"score", 1}}, "a4"),
          "audit");
  created(send_as(c, "POST", below + "/deployments",
                  {{"version", 2}, {"status", "pending"}}, "a5"),
          "deployment");
  auto view = c.get(below);
  BOOST_TEST_REQUIRE(view.status == 200u);
  const auto& o = view.object();
  BOOST_TEST(agent(o.at("audits").as_array().at(0)) == "a4");
  BOOST_TEST(agent(o.at("deployments").as_array().at(0)) == "a5");
  BOOST_TEST(agent(o.at("versions").as_array().at(0)) == "a3");
  BOOST_TEST(agent(o.at("versions").as_array().at(1)) == "a2");
  BOOST_TEST(agent(c.get(below + "/versions/1").json) == "a2");
  // Bad X-Agent-Id: empty is absent; too long or not visible ASCII is 400.
  for (const auto& bad : {std::string(129, 'x'), std::string{"a b"},
                          std::string{"caf\xc3\xa9"}})
    expect_error(send_as(c, "POST", "/api/sessions", json::object{}, bad),
                 400, "validation", "X-Agent-Id " + bad);
}

// A token bound to an agent (API_TOKENS tenant:token@agent) records that
// agent; a header naming another is 403, the same one is fine.
BOOST_AUTO_TEST_CASE(a_token_agent_wins_over_the_header) {
  tenant_daemon d;
  const auto bot = random_token();
  auto env = d.env();
  env["API_TOKENS"] += ",acme:" + bot + "@bot-7";
  d.daemon.reset();
  d.daemon = std::make_unique<daemon_process>(env);
  auto c = d.as(bot);
  auto s = created(c.post("/api/sessions", json::object{}), "session");
  BOOST_TEST(agent(s, "created_by") == "bot-7");
  auto same = send_as(c, "POST", "/api/sessions", json::object{}, "bot-7");
  BOOST_TEST(same.status == 201u);
  expect_error(send_as(c, "POST", "/api/sessions", json::object{}, "other"),
               403, "forbidden", "another agent");
  // The tenant's other token is bound to none: its header is taken.
  auto plain = d.as(d.acme);
  auto t = created(send_as(plain, "POST", "/api/sessions", json::object{},
                           "human"),
                   "session");
  BOOST_TEST(agent(t, "created_by") == "human");
  std::string cursor;
  auto events = read_all(plain, cursor, 3, 10);
  BOOST_TEST_REQUIRE(events.size() == 3u);
  BOOST_TEST(agent(events[0]) == "bot-7");
  BOOST_TEST(agent(events[2]) == "human");
}

// Exports are format_version 2 and carry the agents; the import keeps
// them. A version 1 document (no agents) still imports.
BOOST_AUTO_TEST_CASE(exports_carry_agents_and_version_1_still_imports) {
  api_client c{shared_daemon().port()};
  auto s = created(send_as(c, "POST", "/api/sessions", json::object{}, "ex"),
                   "session");
  const auto id = text(s, "session_id");
  created(send_as(c, "POST", "/api/sessions/" + id + "/sites",
                  {{"name", "S"}, {"code", "x"}}, "ex-site"),
          "site");
  auto exported = created(c.post("/api/sessions/export",
                                 {{"session_id", id}, {"compress", false}}),
                          "export");
  BOOST_TEST(exported.at("format_version").as_int64() == 2);
  auto doc = exported.at("data");
  BOOST_TEST(agent(doc.at("session"), "created_by") == "ex");
  const auto& site = doc.at("sites").as_array().at(0);
  BOOST_TEST(agent(site, "created_by") == "ex-site");
  BOOST_TEST(agent(site.at("versions").as_array().at(0)) == "ex-site");
  // Version 2 round trip: the copy has the same agents.
  auto copy = created(c.post("/api/sessions/import",
                             {{"data", doc}, {"compressed", false}}),
                      "import v2");
  auto copied = c.get("/api/sessions/" + text(copy, "session_id"));
  BOOST_TEST(agent(copied.json, "created_by") == "ex");
  auto copied_sites = c.get("/api/sessions/" + text(copy, "session_id")
                            + "/sites");
  const auto copied_site = text(
    copied_sites.object().at("items").as_array().at(0), "site_id");
  BOOST_TEST(agent(c.get("/api/sessions/sites/" + copied_site
                         + "/versions/1").json)
             == "ex-site");
  // Version 1: the same document without agents.
  auto v1 = doc;
  v1.as_object()["format_version"] = 1;
  auto& session = v1.as_object()["session"].as_object();
  session.erase("created_by");
  session.erase("updated_by");
  for (auto& st : v1.as_object()["sites"].as_array()) {
    st.as_object().erase("created_by");
    for (auto& v : st.as_object()["versions"].as_array())
      v.as_object().erase("agent");
  }
  auto old = created(c.post("/api/sessions/import",
                            {{"data", v1}, {"compressed", false}}),
                     "import v1");
  auto read = c.get("/api/sessions/" + text(old, "session_id"));
  BOOST_TEST(agent(read.json, "created_by") == "null");
}

BOOST_AUTO_TEST_SUITE_END()
