// Sites, versions, audits and deployments against the real daemon.

#include <set>

#include <boost/test/unit_test.hpp>
#include <openssl/sha.h>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/expect_error.hpp"
#include "tests/support/eventually.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

api_client client() {
  return api_client{shared_daemon().port()};
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (auto b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

struct site_fixture {
  api_client c = client();
  std::string session_id;
  std::string site_id;
  std::string site_path;

  site_fixture() {
    session_id = c.create_session().at("session_id").as_string();
    auto r = c.post("/api/sessions/" + session_id + "/sites",
                    {{"name", "Portfolio"}, {"site_type", "portfolio"},
                     {"code", "<h1>v1</h1>"}, {"requirements", {{"pages", 3}}},
                     {"changes", "first"}});
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.raw.body);
    site_id = r.object().at("site_id").as_string();
    site_path = "/api/sessions/sites/" + site_id;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(sites)

BOOST_FIXTURE_TEST_CASE(create_and_read_a_site, site_fixture) {
  auto got = c.get(site_path);
  BOOST_TEST_REQUIRE(got.status == 200u);
  const auto& s = got.object();
  BOOST_TEST(s.at("session_id").as_string() == session_id);
  BOOST_TEST(s.at("name").as_string() == "Portfolio");
  BOOST_TEST(s.at("site_type").as_string() == "portfolio");
  BOOST_TEST(s.at("version_count").as_int64() == 1);
  const auto& latest = s.at("latest_version").as_object();
  BOOST_TEST(latest.at("version").as_int64() == 1);
  BOOST_TEST(latest.at("code").as_string() == "<h1>v1</h1>");
  BOOST_TEST(latest.at("code_size").as_int64() == 11);
  BOOST_TEST(latest.at("code_sha256").as_string() == sha256_hex("<h1>v1</h1>"));
  BOOST_TEST(latest.at("requirements") == (json::object{{"pages", 3}}));
  BOOST_TEST(latest.at("changes").as_string() == "first");
  BOOST_TEST(latest.at("audit_score").is_null());
  BOOST_TEST(s.at("versions").as_array().size() == 1u);
  BOOST_TEST(!s.at("versions").as_array()[0].as_object().contains("code"));
  BOOST_TEST(s.at("audits").as_array().empty());
  BOOST_TEST(s.at("deployments").as_array().empty());
}

BOOST_FIXTURE_TEST_CASE(versions_audits_deployments, site_fixture) {
  for (int i = 2; i <= 4; ++i) {
    auto r = c.post(site_path + "/versions",
                    {{"code", "<h1>v" + std::to_string(i) + "</h1>"},
                     {"changes", "step " + std::to_string(i)}});
    BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body);
    BOOST_TEST(r.object().at("version").as_int64() == i);
  }
  auto v3 = c.get(site_path + "/versions/3");
  BOOST_TEST_REQUIRE(v3.status == 200u);
  BOOST_TEST(v3.object().at("code").as_string() == "<h1>v3</h1>");

  auto audit = c.post(site_path + "/audits",
                      {{"version", 3}, {"score", 87.5}, {"results", {{"a11y", "ok"}}}});
  BOOST_TEST_REQUIRE(audit.status == 201u, audit.raw.body);
  BOOST_TEST(audit.object().at("score").as_double() == 87.5);
  auto deploy = c.post(site_path + "/deployments",
                       {{"version", 3}, {"status", "succeeded"},
                        {"url", "https://example.test/"}, {"provider", "static"}});
  BOOST_TEST_REQUIRE(deploy.status == 201u, deploy.raw.body);
  BOOST_TEST(deploy.object().at("status").as_string() == "succeeded");

  // The site's view shows all of it at once: the writes fenced the cached
  // view, so this read comes from the database and refills the cache.
  auto s = c.get(site_path);
  BOOST_TEST(s.header("X-Cache") == "miss");
  // The refill is not awaited by the read that missed; the next one hits.
  BOOST_TEST(eventually(std::chrono::seconds{5},
                        [&] { return c.get(site_path).header("X-Cache") == "hit"; }));
  BOOST_TEST(s.object().at("version_count").as_int64() == 4);
  BOOST_TEST(s.object().at("latest_version").at("code").as_string() == "<h1>v4</h1>");
  const auto& versions = s.object().at("versions").as_array();
  BOOST_TEST_REQUIRE(versions.size() == 4u);
  BOOST_TEST(versions[0].at("version").as_int64() == 4);  // newest first
  BOOST_TEST(versions[1].at("audit_score").as_double() == 87.5);
  BOOST_TEST(s.object().at("audits").as_array().size() == 1u);
  BOOST_TEST(s.object().at("deployments").as_array().size() == 1u);
  BOOST_TEST(c.get(site_path + "/versions/3").object().at("audit_score").as_double()
             == 87.5);
}

BOOST_FIXTURE_TEST_CASE(version_pages_newest_first, site_fixture) {
  for (int i = 2; i <= 25; ++i)
    BOOST_TEST_REQUIRE(c.post(site_path + "/versions", {{"code", std::to_string(i)}})
                         .status == 201u);
  std::vector<int64_t> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = c.get(site_path + "/versions?limit=10"
                   + (cursor.empty() ? "" : "&cursor=" + cursor));
    BOOST_TEST_REQUIRE(r.status == 200u);
    for (const auto& v : r.object().at("items").as_array())
      seen.push_back(v.at("version").as_int64());
    if (r.object().at("next_cursor").is_null())
      break;
    cursor = r.object().at("next_cursor").as_string();
    // Versions added while paging are above the cursor: no effect.
    c.post(site_path + "/versions", {{"code", "late"}});
  }
  std::vector<int64_t> expected;
  for (int64_t v = 25; v >= 1; --v)
    expected.push_back(v);
  BOOST_TEST(seen == expected);
}

BOOST_FIXTURE_TEST_CASE(list_sites_of_a_session, site_fixture) {
  for (int i = 0; i < 4; ++i)
    c.post("/api/sessions/" + session_id + "/sites",
           {{"name", "s" + std::to_string(i)}, {"code", "x"}});
  std::set<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto r = c.get("/api/sessions/" + session_id + "/sites?limit=2"
                   + (cursor.empty() ? "" : "&cursor=" + cursor));
    BOOST_TEST_REQUIRE(r.status == 200u);
    for (const auto& s : r.object().at("items").as_array())
      ids.insert(std::string{s.at("site_id").as_string()});
    if (r.object().at("next_cursor").is_null())
      break;
    cursor = r.object().at("next_cursor").as_string();
  }
  BOOST_TEST(ids.size() == 5u);
  BOOST_TEST(ids.count(site_id) == 1u);
}

BOOST_AUTO_TEST_CASE(large_unicode_code_round_trips) {
  auto c = client();
  auto session = std::string{c.create_session().at("session_id").as_string()};
  std::string code;
  while (code.size() < 1000000)
    code += "<p>héllo wörld — 你好 🙂 \"quoted\" \\ back</p>\n";
  auto r = c.post("/api/sessions/" + session + "/sites",
                  {{"name", "big"}, {"code", code}});
  BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body.substr(0, 300));
  auto path = "/api/sessions/sites/" + std::string{r.object().at("site_id").as_string()};
  auto v1 = c.get(path + "/versions/1");
  BOOST_TEST_REQUIRE(v1.status == 200u);
  BOOST_TEST((v1.object().at("code").as_string() == code));
  BOOST_TEST(v1.object().at("code_size").as_int64() == static_cast<int64_t>(code.size()));
  BOOST_TEST(v1.object().at("code_sha256").as_string() == sha256_hex(code));
}

BOOST_FIXTURE_TEST_CASE(bad_input_writes_nothing, site_fixture) {
  auto sites = "/api/sessions/" + session_id + "/sites";
  expect_error(c.post(sites, {{"code", "x"}}), 400, "validation", "no name");
  expect_error(c.post(sites, {{"name", ""}, {"code", "x"}}), 400, "validation", "empty name");
  expect_error(c.post(sites, {{"name", "n"}}), 400, "validation", "no code");
  expect_error(c.post(sites, {{"name", "n"}, {"code", ""}}), 400, "validation", "empty code");
  expect_error(c.post(sites, {{"name", 5}, {"code", "x"}}), 400, "validation", "name type");
  expect_error(c.post(sites, {{"name", "n"}, {"code", "x"}, {"x", 1}}), 400, "validation",
               "unknown field");
  expect_error(c.post(site_path + "/versions", {{"code", 7}}), 400, "validation", "code type");
  expect_error(c.call("POST", site_path + "/versions", R"({"code":"a\u0000b"})"), 400,
               "validation", "NUL in code");
  expect_error(c.call("POST", site_path + "/versions", R"({"code":"a","changes":"\u0000"})"),
               400, "validation", "NUL in changes");
  expect_error(c.call("POST", site_path + "/versions",
                      R"({"code":"a","requirements":{"k":"\u0000"}})"),
               400, "validation", "NUL in requirements");
  expect_error(c.post(site_path + "/audits", {{"version", 1}, {"score", 101}}), 400,
               "validation", "score over 100");
  expect_error(c.post(site_path + "/audits", {{"version", 1}, {"score", -1}}), 400,
               "validation", "score under 0");
  expect_error(c.post(site_path + "/audits", {{"version", "1"}, {"score", 5}}), 400,
               "validation", "version a string");
  expect_error(c.post(site_path + "/audits", {{"version", 9}, {"score", 5}}), 404,
               "not_found", "audit of a missing version");
  expect_error(c.post(site_path + "/deployments", {{"version", 1}, {"status", "done"}}), 400,
               "validation", "unknown status");
  expect_error(c.post(site_path + "/deployments", {{"version", 9}, {"status", "pending"}}),
               404, "not_found", "deployment of a missing version");
  expect_error(c.get(site_path + "/versions/abc"), 400, "validation", "version not a number");
  expect_error(c.get(site_path + "/versions/0"), 400, "validation", "version 0");
  expect_error(c.get(site_path + "/versions/99"), 404, "not_found", "missing version");
  expect_error(c.get("/api/sessions/sites/not-a-uuid"), 400, "validation", "bad site id");
  auto unknown = "/api/sessions/sites/6f1c7a52-3a4e-4a8e-9d7e-2b1f0c9e8d7a";
  expect_error(c.get(unknown), 404, "not_found", "unknown site");
  expect_error(c.post(std::string{unknown} + "/versions", {{"code", "x"}}), 404,
               "not_found", "version of an unknown site");
  expect_error(c.post("/api/sessions/6f1c7a52-3a4e-4a8e-9d7e-2b1f0c9e8d7a/sites",
                      {{"name", "n"}, {"code", "x"}}),
               404, "not_found", "site of an unknown session");
  auto s = c.get(site_path);
  BOOST_TEST(s.object().at("version_count").as_int64() == 1);
  BOOST_TEST(s.object().at("audits").as_array().empty());
  BOOST_TEST(s.object().at("deployments").as_array().empty());
  BOOST_TEST(c.get(sites).object().at("items").as_array().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(deleting_the_session_removes_its_sites, site_fixture) {
  BOOST_TEST(c.get(site_path).status == 200u);  // cached now
  BOOST_TEST(c.del("/api/sessions/" + session_id).status == 204u);
  expect_error(c.get(site_path), 404, "not_found", "site after session delete");
  expect_error(c.get(site_path + "/versions/1"), 404, "not_found", "version after delete");
}

BOOST_AUTO_TEST_SUITE_END()
