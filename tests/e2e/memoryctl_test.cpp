// memoryctl export and import: the real binary against the test daemon, as
// an operator runs it from a shell (the API itself: backup_test.cpp).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/memoryctl_runner.hpp"
#include "tests/e2e/tenants.hpp"
#include "tests/support/test_env.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace memoryd::test;

namespace {

/// Runs memoryctl with `args` after --url of the shared daemon (or `url`).
run_result memoryctl(std::vector<std::string> args, std::string url = {}) {
  if (url.empty())
    url = "http://127.0.0.1:" + std::to_string(shared_daemon().port());
  args.insert(args.begin(), {"--url", url});
  return run_memoryctl(std::move(args));
}

/// What an import must keep of a session: everything but IDs and times.
json::object essence(api_client& c, const std::string& session_id) {
  auto session = c.get("/api/sessions/" + session_id);
  BOOST_REQUIRE_MESSAGE(session.status == 200, session.raw.body);
  auto list = c.get("/api/sessions/" + session_id + "/sites?limit=100");
  BOOST_REQUIRE_MESSAGE(list.status == 200, list.raw.body);
  json::array sites;
  for (const auto& item : list.object().at("items").as_array()) {
    auto site = c.get("/api/sessions/sites/"
                      + std::string{item.at("site_id").as_string()});
    BOOST_REQUIRE_MESSAGE(site.status == 200, site.raw.body);
    const auto& s = site.object();
    json::array versions, audits, deployments;
    for (const auto& v : s.at("versions").as_array())
      versions.push_back({v.at("version"), v.at("code_sha256"), v.at("changes"),
                          v.at("audit_score")});
    for (const auto& a : s.at("audits").as_array())
      audits.push_back({a.at("version"), a.at("score")});
    for (const auto& d : s.at("deployments").as_array())
      deployments.push_back({d.at("version"), d.at("status"), d.at("url")});
    sites.push_back({{"name", s.at("name")},
                     {"site_type", s.at("site_type")},
                     {"latest_code", s.at("latest_version").at("code")},
                     {"versions", versions},
                     {"audits", audits},
                     {"deployments", deployments}});
  }
  std::sort(sites.begin(), sites.end(), [](const auto& a, const auto& b) {
    return a.at("name").as_string() < b.at("name").as_string();
  });
  const auto& s = session.object();
  return {{"user_id", s.at("user_id")},
          {"state", s.at("state")},
          {"preferences", s.at("preferences")},
          {"sites", sites}};
}

/// A session with two sites, versions, an audit and a deployment.
std::string make_session(api_client& c) {
  auto id = std::string{
    c.create_session({{"user_id", "operator-ü"},
                      {"state", {{"step", "review"}, {"notes", "Grüße ✓"}}},
                      {"preferences", {{"design_style", "flat"}}}})
      .at("session_id")
      .as_string()};
  for (std::string name : {"Shop", "Blog"}) {
    auto site = c.post("/api/sessions/" + id + "/sites",
                       {{"name", name}, {"site_type", "landing"},
                        {"code", "<h1>" + name + " v1</h1>"}, {"changes", "first"}});
    BOOST_REQUIRE_MESSAGE(site.status == 201, site.raw.body);
    auto path = "/api/sessions/sites/" + std::string{site.object().at("site_id").as_string()};
    auto v2 = c.post(path + "/versions",
                     {{"code", "<h1>" + name + " v2 — ünïcode</h1>"}, {"changes", "second"}});
    BOOST_REQUIRE_MESSAGE(v2.status == 201, v2.raw.body);
    auto audit = c.post(path + "/audits", {{"version", 1}, {"score", 87.5}});
    BOOST_REQUIRE_MESSAGE(audit.status == 201, audit.raw.body);
    auto deploy = c.post(path + "/deployments",
                         {{"version", 2}, {"status", "succeeded"},
                          {"url", "https://example.test/" + name}});
    BOOST_REQUIRE_MESSAGE(deploy.status == 201, deploy.raw.body);
  }
  return id;
}

/// Imports `file` with memoryctl; checks the answer and returns the new id.
std::string import_file(const fs::path& file) {
  auto imported = memoryctl({"import", file.string()});
  BOOST_REQUIRE_MESSAGE(imported.exit_code == 0, imported.err);
  static const std::regex line{
    R"(imported session ([0-9a-f-]{36}): 2 sites, 4 versions\n)"};
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(std::regex_match(imported.out, m, line), imported.out);
  return m[1];
}

} // namespace

BOOST_AUTO_TEST_SUITE(memoryctl_backup)

BOOST_AUTO_TEST_CASE(export_to_a_file_then_import_it) {
  api_client c{shared_daemon().port()};
  auto id = make_session(c);
  auto dir = make_temp_dir("memoryctl_export");
  auto file = dir / "backup.json";

  auto exported = memoryctl({"export", id, "-o", file.string()});
  BOOST_REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);
  BOOST_TEST(exported.out.empty());
  BOOST_TEST(!fs::exists(file.string() + ".tmp"));
  auto envelope = json::parse(read_text(file)).as_object();
  BOOST_TEST(envelope.at("session_id").as_string() == id);
  BOOST_TEST(envelope.at("format").as_string() == "memoryd-session");
  BOOST_TEST(envelope.at("format_version").as_int64() == 2);
  BOOST_TEST(envelope.at("compressed").as_bool());
  BOOST_TEST(envelope.at("data").is_string());

  auto original = essence(c, id);
  BOOST_TEST(original.at("sites").as_array().size() == 2u);
  auto new_id = import_file(file);
  BOOST_TEST(new_id != id);
  BOOST_TEST(json::serialize(essence(c, new_id)) == json::serialize(original));
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(uncompressed_export_on_stdout_imports_too) {
  api_client c{shared_daemon().port()};
  auto id = make_session(c);
  auto exported = memoryctl({"export", id, "--uncompressed"});
  BOOST_REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);
  auto envelope = json::parse(exported.out).as_object();
  BOOST_TEST(!envelope.at("compressed").as_bool());
  BOOST_TEST(envelope.at("data").at("format").as_string() == "memoryd-session");

  auto dir = make_temp_dir("memoryctl_stdout");
  std::ofstream{dir / "backup.json"} << exported.out;
  auto new_id = import_file(dir / "backup.json");
  BOOST_TEST(json::serialize(essence(c, new_id)) == json::serialize(essence(c, id)));
  fs::remove_all(dir);
}

// Against a daemon with tokens: a token from --token-file, $MEMORYD_TOKEN
// or --token; without one, the daemon's 401 (exit 1); cleanup wants the
// admin token.
BOOST_AUTO_TEST_CASE(tokens_from_a_file_the_environment_or_the_line) {
  tenant_daemon d;
  const auto url = "http://127.0.0.1:" + std::to_string(d.daemon->port());
  auto acme = d.as(d.acme);
  auto id = make_session(acme);
  auto dir = make_temp_dir("memoryctl_tokens");
  std::ofstream{dir / "token"} << "# acme's\n\n  " << d.acme << "  \n";
  auto file = dir / "backup.json";

  auto anonymous = memoryctl({"export", id, "-o", file.string()}, url);
  BOOST_TEST(anonymous.exit_code == 1);
  BOOST_TEST(anonymous.err.find("unauthorized") != std::string::npos,
             anonymous.err);
  auto exported = memoryctl(
    {"--token-file", (dir / "token").string(), "export", id, "-o", file.string()},
    url);
  BOOST_REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);

  ::setenv("MEMORYD_TOKEN", d.zeta.c_str(), 1);
  auto imported = memoryctl({"import", file.string()}, url);
  ::unsetenv("MEMORYD_TOKEN");
  BOOST_REQUIRE_MESSAGE(imported.exit_code == 0, imported.err);
  // zeta's import is zeta's: acme's token does not see it.
  auto copy = imported.out.substr(std::string{"imported session "}.size(), 36);
  BOOST_TEST(d.as(d.zeta).get("/api/sessions/" + copy).status == 200u);
  BOOST_TEST(acme.get("/api/sessions/" + copy).status == 404u);

  auto forbidden = memoryctl({"--token", d.acme, "cleanup", "--dry-run"}, url);
  BOOST_TEST(forbidden.exit_code == 1);
  BOOST_TEST(forbidden.err.find("forbidden") != std::string::npos, forbidden.err);
  auto cleanup = memoryctl({"--token", d.admin, "cleanup", "--dry-run"}, url);
  BOOST_TEST(cleanup.exit_code == 0, cleanup.err);
  BOOST_TEST(memoryctl({"--token-file", (dir / "none").string(), "health"}, url)
               .exit_code
             == 4);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(refusals_and_usage) {
  auto dir = make_temp_dir("memoryctl_refused");
  auto file = dir / "missing.json";
  auto unknown = memoryctl(
    {"export", "00000000-0000-4000-8000-000000000000", "-o", file.string()});
  BOOST_TEST(unknown.exit_code == 1);
  BOOST_TEST(unknown.err.find("not_found") != std::string::npos, unknown.err);
  BOOST_TEST(unknown.out.empty());
  BOOST_TEST(!fs::exists(file));
  BOOST_TEST(!fs::exists(file.string() + ".tmp"));

  // The daemon's validation of a bad import: exit 1 with its message.
  std::ofstream{dir / "bad.json"}
    << R"({"format":"memoryd-session","compressed":true,"data":"not base64!"})";
  auto bad = memoryctl({"import", (dir / "bad.json").string()});
  BOOST_TEST(bad.exit_code == 1);
  BOOST_TEST(bad.err.find("validation") != std::string::npos, bad.err);

  BOOST_TEST(memoryctl({"export"}).exit_code == 2);
  BOOST_TEST(memoryctl({"import", (dir / "none.json").string()}).exit_code == 4);
  auto unreachable = memoryctl({"export", "00000000-0000-4000-8000-000000000000"},
                               "http://127.0.0.1:" + std::to_string(free_port()));
  BOOST_TEST(unreachable.exit_code == 3, unreachable.err);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
