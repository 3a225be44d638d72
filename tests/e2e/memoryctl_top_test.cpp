// memoryctl top --once and --json: the real binary against the real daemon's
// GET /admin/stats (the live screen: tests/console/top_tmux.sh).

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/memoryctl_runner.hpp"
#include "tests/e2e/tenants.hpp"
#include "tests/support/test_env.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

std::string url_of(const daemon_process& d) {
  return "http://127.0.0.1:" + std::to_string(d.port());
}

run_result top(const std::string& url, std::vector<std::string> args) {
  args.insert(args.begin(), {"--url", url, "top"});
  return run_memoryctl(std::move(args));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(memoryctl_top)

// --json prints the daemon's document as it is; --once one frame of plain
// text naming every actor of that document.
BOOST_AUTO_TEST_CASE(once_and_json_show_the_daemons_stats) {
  tenant_daemon d;
  const auto url = url_of(*d.daemon);
  auto acme = d.as(d.acme);
  acme.create_session({{"user_id", "top"}});

  ::setenv("MEMORYD_TOKEN", d.admin.c_str(), 1);
  auto raw = top(url, {"--json"});
  auto frame = top(url, {"--once"});
  ::unsetenv("MEMORYD_TOKEN");

  BOOST_REQUIRE_MESSAGE(raw.exit_code == 0, raw.err);
  json::error_code ec;
  auto doc = json::parse(raw.out, ec);
  BOOST_REQUIRE_MESSAGE(!ec && doc.is_object(), raw.out);
  const auto& stats = doc.as_object();
  BOOST_TEST(stats.contains("version"));
  BOOST_TEST(stats.contains("uptime_seconds"));
  const auto* actors = stats.if_contains("actors");
  BOOST_REQUIRE(actors != nullptr);
  BOOST_REQUIRE(actors->is_array());
  BOOST_TEST(!actors->as_array().empty());

  BOOST_REQUIRE_MESSAGE(frame.exit_code == 0, frame.err);
  BOOST_TEST_MESSAGE(frame.out);
  BOOST_TEST(!contains(frame.out, "\x1b"), "escape codes in a pipe");
  BOOST_TEST(contains(frame.out, "memoryd "
                                   + std::string(stats.at("version").as_string())));
  BOOST_TEST(contains(frame.out, "requests "));
  BOOST_TEST(contains(frame.out, "cache "));
  BOOST_TEST(contains(frame.out, "database " + d.backend.name));
  BOOST_TEST(contains(frame.out, "ACTOR"));
  BOOST_TEST(contains(frame.out, "STATE"));
  for (const auto& a : actors->as_array()) {
    const std::string name(a.at("name").as_string());
    BOOST_TEST(contains(frame.out, "\n  " + name + " "), name);
  }
  // --once draws no key line.
  BOOST_TEST(!contains(frame.out, "h help"));
}

// Without the admin token the daemon's refusal (exit 1); a daemon that is
// not there: exit 3 with the address; options that do not go together: 2.
BOOST_AUTO_TEST_CASE(refusals_unreachable_and_usage) {
  tenant_daemon d;
  const auto url = url_of(*d.daemon);
  auto anonymous = top(url, {"--once"});
  BOOST_TEST(anonymous.exit_code == 1);
  BOOST_TEST(contains(anonymous.err, "401"), anonymous.err);
  BOOST_TEST(contains(anonymous.err, "admin token"), anonymous.err);
  auto tenant = top(url, {"--token", d.acme, "--json"});
  BOOST_TEST(tenant.exit_code == 1);
  BOOST_TEST(contains(tenant.err, "403"), tenant.err);
  BOOST_TEST(tenant.out.empty());

  const auto nowhere = "http://127.0.0.1:" + std::to_string(free_port());
  auto unreachable = top(nowhere, {"--once"});
  BOOST_TEST(unreachable.exit_code == 3, unreachable.err);
  BOOST_TEST(contains(unreachable.err, "cannot reach memoryd at " + nowhere),
             unreachable.err);

  BOOST_TEST(top(url, {"--once", "--json"}).exit_code == 2);
  BOOST_TEST(top(url, {"--interval", "0"}).exit_code == 2);
  BOOST_TEST(run_memoryctl({"--url", url, "health", "--once"}).exit_code == 2);
  // The live console wants a terminal; the runner gives it pipes.
  auto live = top(url, {"--token", d.admin});
  BOOST_TEST(live.exit_code == 2);
  BOOST_TEST(contains(live.err, "--once"), live.err);
}

BOOST_AUTO_TEST_SUITE_END()
