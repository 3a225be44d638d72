// HTTPS end to end: the real memoryd with TLS_CERT_FILE and TLS_KEY_FILE,
// reached by the HTTP client and by memoryctl over real sockets, and the
// start refused for files it cannot serve with. Certificates are made by
// the test (tests/support/test_pki.hpp); SQLite suffices.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "net/http_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/memoryctl_runner.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/test_env.hpp"
#include "tests/support/test_pki.hpp"

namespace json = boost::json;
using namespace memoryd;
using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

/// A fresh backend's environment with these TLS files (by default the
/// shared PKI's).
daemon_process::environment
tls_env(const std::string& cert = shared_test_pki().cert_file.string(),
        const std::string& key = shared_test_pki().key_file.string()) {
  auto env = make_backend().env;
  env["TLS_CERT_FILE"] = cert;
  env["TLS_KEY_FILE"] = key;
  return env;
}

/// The start-up failure of a daemon with `env`: its message with exit code
/// and log; "" when it started.
std::string start_failure(const daemon_process::environment& env) {
  try {
    daemon_process d{env};
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(https_serves_the_api_to_clients_that_trust_its_ca) {
  daemon_process d{tls_env()};
  BOOST_TEST(contains(d.log(), "listening on https://127.0.0.1:"), d.log());
  net::endpoint where{"https", "127.0.0.1", d.port()};
  auto ca = shared_test_pki().ca_file.string();
  net::http_client c{where, ca, 10s};
  BOOST_TEST(c.get("/healthz").status == 200u);
  auto created = c.request("POST", "/api/sessions",
                           R"({"user_id":"tls","state":{"step":1}})");
  BOOST_REQUIRE_MESSAGE(created.status == 201u, created.body);
  auto id = json::parse(created.body).at("session_id").as_string();
  auto read = c.get("/api/sessions/" + std::string{id});
  BOOST_TEST(read.status == 200u);
  BOOST_TEST(json::parse(read.body) == json::parse(created.body));

  // Plain HTTP to the HTTPS port gets no HTTP answer; the daemon serves on.
  net::http_client plain{"127.0.0.1", d.port(), 10s};
  BOOST_CHECK_THROW(plain.get("/healthz"), std::exception);
  BOOST_TEST(net::http_client(where, ca, 10s).get("/healthz").status == 200u);
  auto code = d.stop();
  BOOST_TEST((code && *code == 0), d.log());
}

BOOST_AUTO_TEST_CASE(memoryctl_needs_the_daemons_ca) {
  daemon_process d{tls_env()};
  auto url = "https://127.0.0.1:" + std::to_string(d.port());
  auto ca = shared_test_pki().ca_file.string();
  auto ok = run_memoryctl({"--url", url, "--cacert", ca, "health"});
  BOOST_TEST(ok.exit_code == 0, ok.err);
  BOOST_TEST(contains(ok.out, "healthz: 200"), ok.out);
  // By name too: the certificate holds localhost.
  ok = run_memoryctl({"--url", "https://localhost:" + std::to_string(d.port()),
                      "--cacert", ca, "health"});
  BOOST_TEST(ok.exit_code == 0, ok.err);

  ::setenv("MEMORYD_CACERT", ca.c_str(), 1);
  ok = run_memoryctl({"--url", url, "health"});
  ::unsetenv("MEMORYD_CACERT");
  BOOST_TEST(ok.exit_code == 0, ok.err);

  // Another CA, and the system's CAs, which know nothing of ours.
  auto other_ca = shared_test_pki("other").ca_file.string();
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"--url", url, "--cacert", other_ca, "health"},
         {"--url", url, "health"}}) {
    auto refused = run_memoryctl(args);
    BOOST_TEST(refused.exit_code == 3, refused.err);
    BOOST_TEST(contains(refused.err, "certificate verify failed"), refused.err);
    BOOST_TEST(contains(refused.err, "--cacert"), refused.err);
  }
  auto no_file = run_memoryctl(
    {"--url", url, "--cacert", "/nonexistent/ca.pem", "health"});
  BOOST_TEST(no_file.exit_code == 4, no_file.err);
}

// memoryctl top against a remote-style daemon: https with --cacert and the
// admin token from a file.
BOOST_AUTO_TEST_CASE(memoryctl_top_over_https_with_a_token_file) {
  auto env = tls_env();
  const std::string admin = "5e0c9a1f7b2d4e6a8c0f1e3d5b7a9c2e4f6a8b0d1c3e5f7a9b2d4c6e8f0a1b3c";
  env["ADMIN_TOKENS"] = admin;
  daemon_process d{env};
  auto url = "https://localhost:" + std::to_string(d.port());
  auto ca = shared_test_pki().ca_file.string();
  auto dir = make_temp_dir("top_tls");
  std::ofstream{dir / "admin"} << admin << "\n";
  const auto token_file = (dir / "admin").string();

  auto frame = run_memoryctl({"--url", url, "--cacert", ca, "--token-file",
                              token_file, "top", "--once"});
  BOOST_TEST(frame.exit_code == 0, frame.err);
  BOOST_TEST(contains(frame.out, "memoryd "), frame.out);
  BOOST_TEST(contains(frame.out, " at " + url), frame.out);
  BOOST_TEST(contains(frame.out, "front-0 "), frame.out);
  auto raw = run_memoryctl({"--url", url, "--cacert", ca, "--token-file",
                            token_file, "top", "--json"});
  BOOST_TEST(raw.exit_code == 0, raw.err);
  BOOST_TEST(json::parse(raw.out).as_object().contains("actors"));

  auto untrusted = run_memoryctl(
    {"--url", url, "--cacert", shared_test_pki("other").ca_file.string(),
     "--token-file", token_file, "top", "--once"});
  BOOST_TEST(untrusted.exit_code == 3, untrusted.err);
  BOOST_TEST(contains(untrusted.err, "certificate verify failed"),
             untrusted.err);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(unusable_tls_files_stop_the_start) {
  const auto& pki = shared_test_pki();
  auto cert = pki.cert_file.string();
  auto key = pki.key_file.string();
  auto m = start_failure(tls_env(cert, key + ".missing"));
  BOOST_TEST(contains(m, "with code 2"), m);
  BOOST_TEST(contains(m, "TLS_KEY_FILE"), m);
  m = start_failure(tls_env(cert + ".missing", key));
  BOOST_TEST(contains(m, "with code 2"), m);
  BOOST_TEST(contains(m, "TLS_CERT_FILE"), m);
  // Another certificate's key.
  m = start_failure(tls_env(cert, shared_test_pki("other").key_file.string()));
  BOOST_TEST(contains(m, "with code 2"), m);
  BOOST_TEST(contains(m, "TLS_KEY_FILE"), m);
  // Half a configuration is a configuration error.
  auto env = make_backend().env;
  env["TLS_CERT_FILE"] = cert;
  m = start_failure(env);
  BOOST_TEST(contains(m, "with code 2"), m);
  BOOST_TEST(contains(m, "TLS_KEY_FILE is unset"), m);
}

BOOST_AUTO_TEST_SUITE_END()
