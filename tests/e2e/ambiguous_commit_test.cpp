// The storage retry never writes twice: PostgreSQL commits, but the answer
// to COMMIT is lost and the connection cut (pg_fault_proxy). memoryd
// reconnects and runs the write again, which finds its own key and answers
// the first result: exactly one session, one version, one audit.

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/pg_fault_proxy.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

uint16_t port_of(const std::string& url) {
  auto at = url.find('@');
  auto colon = url.find(':', at);
  return static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
}

} // namespace

BOOST_AUTO_TEST_SUITE(ambiguous_commit)

BOOST_AUTO_TEST_CASE(a_lost_commit_answer_writes_once) {
  auto backend = make_backend();
  if (backend.name != "postgresql")
    return;  // the fault is PostgreSQL's wire protocol
  auto& url = backend.env["DATABASE_URL"];
  pg_fault_proxy proxy{port_of(url)};
  url = proxy.proxied_url(url);
  daemon_process daemon{backend.env};
  api_client c{daemon.port()};

  proxy.cut_next_commits(1);
  auto session = c.create_session({{"user_id", "ambiguous"}});
  BOOST_TEST_REQUIRE(proxy.commits_cut() == 1);
  BOOST_TEST(c.item_count("/api/sessions?user_id=ambiguous") == 1u);
  const auto id = text(session, "session_id");

  auto site = c.post("/api/sessions/" + id + "/sites",
                     {{"name", "S"}, {"code", "<h1>1</h1>"}});
  BOOST_TEST_REQUIRE(site.status == 201u);
  const auto x = "/api/sessions/sites/" + text(site.json, "site_id");

  proxy.cut_next_commits(1);
  auto version = c.post(x + "/versions", {{"code", "<h1>2</h1>"}});
  BOOST_TEST(version.status == 201u, version.raw.body);
  BOOST_TEST(version.object().at("version").as_int64() == 2);
  BOOST_TEST(proxy.commits_cut() == 2);
  BOOST_TEST(c.item_count(x + "/versions") == 2u);
  // The answer's write is this request's own: the cache was fenced, the
  // next read shows it.
  BOOST_TEST(c.get(x).object().at("version_count").as_int64() == 2);

  proxy.cut_next_commits(1);
  auto audit = c.post(x + "/audits", {{"version", 2}, {"score", 90}});
  BOOST_TEST(audit.status == 201u, audit.raw.body);
  BOOST_TEST(proxy.commits_cut() == 3);
  BOOST_TEST(c.get(x).object().at("audits").as_array().size() == 1u);

  // The next write after the faults needs no retry.
  BOOST_TEST(c.post(x + "/versions", {{"code", "<h1>3</h1>"}})
               .object().at("version").as_int64()
             == 3);
}

BOOST_AUTO_TEST_SUITE_END()
