// Bearer tokens and tenants over real sockets: every route with no token, a
// wrong one, the other tenant's, the admin's and the right one; nothing of
// one tenant is visible, changeable or deletable by another, cache hits
// included; tokens from files; what stops the daemon at start.

#include <fstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/expect_error.hpp"
#include "tests/e2e/tenants.hpp"
#include "tests/support/test_env.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

/// One request of the matrix.
struct call_spec {
  std::string method;
  std::string target;
  std::string body;
  unsigned right_status;  // with the owner's token
};

/// acme's world: a session with a site at version 2, an audit and a
/// deployment; every route that names one of its ids.
struct acme_world {
  std::string session;
  std::string site;
  std::vector<call_spec> calls;

  explicit acme_world(api_client& acme) {
    session = text(acme.create_session({{"user_id", "alice"},
                                        {"preferences", {{"design_style", "flat"}}}}),
                   "session_id");
    auto site_reply = acme.post("/api/sessions/" + session + "/sites",
                                {{"name", "Shop"}, {"code", "<h1>v1</h1>"}});
    BOOST_TEST_REQUIRE(site_reply.status == 201u);
    site = text(site_reply.json, "site_id");
    const auto s = "/api/sessions/" + session;
    const auto x = "/api/sessions/sites/" + site;
    calls = {
      {"GET", s, "", 200},
      {"PUT", s, R"({"state":{"step":2}})", 200},
      {"PUT", s + "/preferences", R"({"design_style":"bold"})", 200},
      {"GET", s + "/sites", "", 200},
      {"POST", s + "/sites", R"({"name":"Blog","code":"<p>"})", 201},
      {"GET", x, "", 200},
      {"POST", x + "/versions", R"({"code":"<h1>v2</h1>"})", 201},
      {"GET", x + "/versions", "", 200},
      {"GET", x + "/versions/1", "", 200},
      {"POST", x + "/audits", R"({"version":1,"score":80})", 201},
      {"POST", x + "/deployments", R"({"version":1,"status":"pending"})", 201},
      {"POST", x + "/versions/1/restore", "", 201},
      {"POST", x + "/fork", R"({"up_to_version":1})", 201},
      {"POST", "/api/sessions/export",
       R"({"session_id":")" + session + R"(","compress":false})", 200},
      {"DELETE", s, "", 204},  // last: it takes the rest
    };
  }

  /// What acme sees of its world, to compare before and after.
  std::vector<std::string> snapshot(api_client& acme) const {
    return {acme.get("/api/sessions/" + session).raw.body,
            acme.get("/api/sessions/sites/" + site).raw.body,
            acme.get("/api/sessions/sites/" + site + "/versions").raw.body,
            acme.get("/api/sessions/" + session + "/sites").raw.body};
  }
};

api_reply send(api_client& c, const call_spec& spec) {
  return c.call(spec.method, spec.target, spec.body);
}

} // namespace

BOOST_AUTO_TEST_SUITE(bearer_access)

BOOST_AUTO_TEST_CASE(every_route_answers_only_its_owners_token) {
  tenant_daemon d;
  auto acme = d.as(d.acme);
  acme_world world{acme};
  // Hot caches: the other tenant's reads meet cached entries too.
  for (int i = 0; i < 2; ++i) {
    acme.get("/api/sessions/" + world.session);
    acme.get("/api/sessions/sites/" + world.site);
  }
  BOOST_TEST(acme.get("/api/sessions/" + world.session).header("X-Cache")
             == "hit");
  BOOST_TEST(acme.get("/api/sessions/sites/" + world.site).header("X-Cache")
             == "hit");
  const auto before = world.snapshot(acme);

  auto anonymous = d.as("");
  auto wrong = d.as(random_token());
  auto zeta = d.as(d.zeta);
  auto admin = d.as(d.admin);
  for (const auto& call : world.calls) {
    const auto what = call.method + " " + call.target;
    auto r = send(anonymous, call);
    expect_error(r, 401, "unauthorized", what + " without a token");
    BOOST_TEST(r.header("WWW-Authenticate") == R"(Bearer realm="memoryd")");
    r = send(wrong, call);
    expect_error(r, 401, "unauthorized", what + " with a wrong token");
    BOOST_TEST(r.header("WWW-Authenticate")
               == R"(Bearer realm="memoryd", error="invalid_token")");
    expect_error(send(admin, call), 403, "forbidden", what + " as admin");
    expect_error(send(zeta, call), 404, "not_found", what + " as zeta");
  }
  // None of that changed anything.
  BOOST_TEST(world.snapshot(acme) == before, "acme's data after the others");

  // The owner's token, and the rotation's second one, are served.
  BOOST_TEST(d.as(d.acme_next).get("/api/sessions/" + world.session).status
             == 200u);
  for (const auto& call : world.calls) {
    auto r = send(acme, call);
    BOOST_TEST(r.status == call.right_status,
               call.method << " " << call.target << ": " << r.raw.body);
  }
  expect_error(acme.get("/api/sessions/" + world.session), 404, "not_found",
               "the deleted session");
}

// Lists, creation and import act in the caller's own tenant.
BOOST_AUTO_TEST_CASE(collections_are_per_tenant) {
  tenant_daemon d;
  auto acme = d.as(d.acme);
  auto zeta = d.as(d.zeta);
  acme_world world{acme};
  auto mine = text(zeta.create_session({{"user_id", "alice"}}), "session_id");

  auto ids = [](api_client& c, const std::string& target) {
    std::vector<std::string> out;
    auto page = c.get(target);
    for (const auto& item : page.object().at("items").as_array())
      out.push_back(text(item, "session_id"));
    return out;
  };
  BOOST_TEST(ids(zeta, "/api/sessions") == std::vector<std::string>{mine});
  BOOST_TEST(ids(zeta, "/api/sessions?user_id=alice")
             == std::vector<std::string>{mine});
  BOOST_TEST(ids(acme, "/api/sessions")
             == std::vector<std::string>{world.session});

  // acme's backup imported by zeta becomes zeta's, under a new id.
  auto exported = acme.post("/api/sessions/export",
                            {{"session_id", world.session}, {"compress", false}});
  BOOST_TEST_REQUIRE(exported.status == 200u);
  auto imported = zeta.post(
    "/api/sessions/import",
    {{"data", exported.object().at("data")}, {"compressed", false}});
  BOOST_TEST_REQUIRE(imported.status == 201u);
  const auto copy = text(imported.json, "session_id");
  BOOST_TEST(copy != world.session);
  BOOST_TEST(zeta.get("/api/sessions/" + copy).status == 200u);
  expect_error(acme.get("/api/sessions/" + copy), 404, "not_found",
               "zeta's import as acme");
  BOOST_TEST(ids(acme, "/api/sessions")
             == std::vector<std::string>{world.session});
  // The copy's sites are zeta's too.
  auto sites = zeta.get("/api/sessions/" + copy + "/sites");
  BOOST_TEST_REQUIRE(sites.object().at("items").as_array().size() == 1u);
  auto site = text(sites.object().at("items").as_array()[0], "site_id");
  BOOST_TEST(zeta.get("/api/sessions/sites/" + site).status == 200u);
  expect_error(acme.get("/api/sessions/sites/" + site), 404, "not_found",
               "zeta's imported site as acme");
}

BOOST_AUTO_TEST_CASE(admin_routes_need_an_admin_token) {
  tenant_daemon d;
  const std::string cleanup = "/admin/cleanup?dry_run=true";
  auto r = d.as("").call("POST", cleanup);
  expect_error(r, 401, "unauthorized", "cleanup without a token");
  BOOST_TEST(r.header("WWW-Authenticate") == R"(Bearer realm="memoryd")");
  expect_error(d.as(random_token()).call("POST", cleanup), 401, "unauthorized",
               "cleanup with a wrong token");
  expect_error(d.as(d.acme).call("POST", cleanup), 403, "forbidden",
               "cleanup with an API token");
  BOOST_TEST(d.as(d.admin).call("POST", cleanup).status == 200u);
  // Probes stay public.
  BOOST_TEST(d.as("").get("/healthz").status == 200u);
  BOOST_TEST(d.as("").get("/readyz").status == 200u);
}

BOOST_AUTO_TEST_CASE(tokens_come_from_files_too) {
  auto backend = make_backend();
  const auto dir = make_temp_dir("tokens");
  const auto api = random_token();
  const auto admin = random_token();
  {
    std::ofstream{dir / "api"} << "# rotated 2026-12-01\nacme:" << api << "\n";
    std::ofstream{dir / "admin"} << admin << "\n";
  }
  auto env = backend.env;
  env["API_TOKENS_FILE"] = (dir / "api").string();
  env["ADMIN_TOKENS_FILE"] = (dir / "admin").string();
  daemon_process daemon{env};
  api_client c{daemon.port()};
  c.set_token(api);
  BOOST_TEST(c.create_session().at("revision").as_int64() == 1);
  c.set_token(admin);
  BOOST_TEST(c.call("POST", "/admin/cleanup?dry_run=true").status == 200u);
  // The log names how many tokens there are, never a token.
  BOOST_TEST(daemon.log().find(api) == std::string::npos);
  BOOST_TEST(daemon.log().find(admin) == std::string::npos);
}

// A weak or malformed token stops the daemon at start, naming the key and
// never the token; so does a public address without tokens.
BOOST_AUTO_TEST_CASE(bad_token_settings_stop_the_daemon) {
  auto backend = make_backend();
  const std::string weak = "weakbutalnum0123";  // 16 characters: ~95 bits
  struct bad_case {
    std::string key;
    std::string value;
    std::string says;
  };
  const std::vector<bad_case> cases = {
    {"API_TOKENS", weak, "API_TOKENS entry 1"},
    {"API_TOKENS", "acme:" + random_token() + ",zeta:" + weak,
     "API_TOKENS entry 2"},
    {"API_TOKENS", "bad tenant!:" + random_token(), "tenant name"},
    {"ADMIN_TOKENS", weak, "ADMIN_TOKENS entry 1"},
    {"API_TOKENS_FILE", "/nonexistent/tokens", "cannot be read"},
    {"LISTEN_ADDRESS", "0.0.0.0:0", "without API_TOKENS"},
  };
  for (const auto& c : cases) {
    auto env = backend.env;
    env[c.key] = c.value;
    try {
      daemon_process daemon{env};
      BOOST_ERROR(c.key << "=" << c.says << ": the daemon started");
    } catch (const std::runtime_error& e) {
      std::string log = e.what();
      BOOST_TEST(log.find(c.says) != std::string::npos, c.says << ": " << log);
      BOOST_TEST(log.find(weak) == std::string::npos, "the log shows a token");
    }
  }
  // The same token twice (two tenants) is refused too.
  auto env = backend.env;
  const auto twice = random_token();
  env["API_TOKENS"] = "acme:" + twice + ",zeta:" + twice;
  BOOST_CHECK_THROW(daemon_process{env}, std::runtime_error);
}

BOOST_AUTO_TEST_CASE(a_fork_stays_within_its_tenant) {
  tenant_daemon d;
  auto acme = d.as(d.acme);
  auto zeta = d.as(d.zeta);
  acme_world world{acme};
  auto zeta_session = text(zeta.create_session(), "session_id");
  auto zeta_site = text(zeta.post("/api/sessions/" + zeta_session + "/sites",
                                  {{"name", "Z"}, {"code", "<p>z</p>"}})
                          .json,
                        "site_id");
  const auto before = world.snapshot(acme);
  // Into another tenant's session: as unknown as the session is to zeta.
  expect_error(zeta.post("/api/sessions/sites/" + zeta_site + "/fork",
                         {{"session_id", world.session}}),
               404, "not_found", "zeta forking into acme's session");
  expect_error(acme.post("/api/sessions/sites/" + world.site + "/fork",
                         {{"session_id", zeta_session}}),
               404, "not_found", "acme forking into zeta's session");
  BOOST_TEST(world.snapshot(acme) == before);
  BOOST_TEST(zeta.item_count("/api/sessions/" + zeta_session + "/sites") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
