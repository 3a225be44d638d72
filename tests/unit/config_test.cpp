// Settings: defaults, TOML file, environment on top, and errors that name
// the key and the value.

#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "config/config.hpp"
#include "tests/support/test_env.hpp"

using namespace memoryd;

namespace {

config::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end())
      return it->second;
    return std::nullopt;
  };
}

std::filesystem::path write_file(const std::string& text) {
  auto path = test::make_temp_dir("config") / "memoryd.toml";
  std::ofstream{path} << text;
  return path;
}

std::string error_of(const std::optional<std::filesystem::path>& file,
                     std::map<std::string, std::string> env) {
  try {
    config::load(file, env_of(std::move(env)));
  } catch (const config::config_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

BOOST_AUTO_TEST_SUITE(configuration)

BOOST_AUTO_TEST_CASE(defaults_match_the_contract) {
  auto s = config::load(std::nullopt, env_of({}));
  BOOST_TEST(s.database_url == "sqlite:///var/lib/memoryd/memoryd.db");
  BOOST_TEST(s.redis_url.empty());
  BOOST_TEST(s.session_ttl.count() == 24);
  BOOST_TEST(s.site_cache_ttl.count() == 3600);
  BOOST_TEST(s.session_cleanup_days == 90);
  BOOST_TEST(s.cleanup_hour == 2);
  BOOST_TEST(s.cleanup_minute == 0);
  BOOST_TEST(s.database_pool_size == 20u);
  BOOST_TEST(s.redis_max_connections == 50u);
  BOOST_TEST(s.listen_host == "127.0.0.1");
  BOOST_TEST(s.listen_port == 8080);
  BOOST_TEST(s.max_body_bytes == 33554432u);
  BOOST_TEST(s.max_import_bytes == 268435456u);
  BOOST_TEST(s.site_shards == 1u);
}

BOOST_AUTO_TEST_CASE(file_then_environment) {
  auto file = write_file("DATABASE_URL = \"postgresql://u@h:5432/db\"\n"
                         "session_ttl_hours = 2\n"
                         "CLEANUP_AT = \"03:30\"\n"
                         "LISTEN_ADDRESS = \"127.0.0.1:0\"\n");
  auto s = config::load(file, env_of({{"SESSION_TTL_HOURS", "5"},
                                      {"REDIS_URL", "redis://127.0.0.1:6379/2"}}));
  BOOST_TEST(s.database_url == "postgresql://u@h:5432/db");
  BOOST_TEST(s.session_ttl.count() == 5);  // the environment wins
  BOOST_TEST(s.cleanup_hour == 3);
  BOOST_TEST(s.cleanup_minute == 30);
  BOOST_TEST(s.listen_port == 0);
  BOOST_TEST(s.redis_url == "redis://127.0.0.1:6379/2");
}

BOOST_AUTO_TEST_CASE(bad_values_name_key_and_value) {
  auto msg = error_of(std::nullopt, {{"DATABASE_POOL_SIZE", "lots"}});
  BOOST_TEST(msg.find("DATABASE_POOL_SIZE") != std::string::npos);
  BOOST_TEST(msg.find("lots") != std::string::npos);
  for (auto [key, value] : std::map<std::string, std::string>{
         {"SESSION_TTL_HOURS", "0"},
         {"CLEANUP_AT", "25:00"},
         {"CLEANUP_AT", "2am"},
         {"LISTEN_ADDRESS", "127.0.0.1"},
         {"LISTEN_ADDRESS", "127.0.0.1:99999"},
         {"DATABASE_URL", "mysql://x"},
         {"REDIS_URL", "http://x"},
         {"MAX_BODY_BYTES", "-5"},
         {"SITE_SHARDS", "0"},
         {"LOG_LEVEL", "loud"}}) {
    auto m = error_of(std::nullopt, {{key, value}});
    BOOST_TEST(m.find(key) != std::string::npos, key << "=" << value << ": " << m);
  }
}

BOOST_AUTO_TEST_CASE(file_errors) {
  auto m = error_of(write_file("NO_SUCH_KEY = 1\n"), {});
  BOOST_TEST(m.find("NO_SUCH_KEY") != std::string::npos);
  m = error_of(write_file("DATABASE_POOL_SIZE = [1, 2]\n"), {});
  BOOST_TEST(m.find("DATABASE_POOL_SIZE") != std::string::npos);
  m = error_of(write_file("this is not toml\n"), {});
  BOOST_TEST(m.find("line 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_auth_means_loopback_only) {
  auto m = error_of(std::nullopt, {{"LISTEN_ADDRESS", "0.0.0.0:8080"}});
  BOOST_TEST(m.find("LISTEN_ADDRESS") != std::string::npos);
  BOOST_TEST(error_of(std::nullopt, {{"LISTEN_ADDRESS", "[::1]:8080"}}).empty());
  BOOST_TEST(error_of(std::nullopt, {{"LISTEN_ADDRESS", "localhost:1"}}).empty());
  BOOST_TEST(error_of(std::nullopt, {{"LISTEN_ADDRESS", "127.9.8.7:1"}}).empty());
  BOOST_TEST(!error_of(std::nullopt, {{"LISTEN_ADDRESS", "127.example.com:1"}}).empty());
}

BOOST_AUTO_TEST_CASE(tokens_parse_into_tenants) {
  const std::string hex(32, 'a');                        // 128 bits
  const std::string alnum = "Zq8Lr2Xw9Vt4Ns6Mp1Kj3H";    // 22: 131 bits
  const std::string b64 = "mL0/+xY7_aB-cD.eF~gH1i==";     // 22 + padding
  auto s = config::load(std::nullopt,
                        env_of({{"API_TOKENS", " acme:" + hex + ", " + alnum},
                                {"ADMIN_TOKENS", b64},
                                {"LISTEN_ADDRESS", "0.0.0.0:8080"}}));
  BOOST_TEST_REQUIRE(s.api_tokens.size() == 2u);
  BOOST_TEST(s.api_tokens[0].first == "acme");
  BOOST_TEST(s.api_tokens[0].second == hex);
  BOOST_TEST(s.api_tokens[1].first == "");  // the default tenant
  BOOST_TEST(s.api_tokens[1].second == alnum);
  BOOST_TEST(s.admin_tokens == std::vector<std::string>{b64});
}

BOOST_AUTO_TEST_CASE(tokens_may_be_bound_to_an_agent) {
  const std::string hex(32, 'a');
  const std::string other(32, 'c');
  auto s = config::load(std::nullopt,
                        env_of({{"API_TOKENS",
                                 "acme:" + hex + "@planner-7, " + other},
                                {"LISTEN_ADDRESS", "0.0.0.0:8080"}}));
  BOOST_TEST_REQUIRE(s.api_tokens.size() == 2u);
  BOOST_TEST(s.api_tokens[0].second == hex);  // the agent is not the token
  BOOST_TEST(s.api_token_agents.size() == 1u);
  BOOST_TEST(s.api_token_agents.at(hex) == "planner-7");
  for (const auto& bad : {hex + "@", hex + "@" + std::string(129, 'x')}) {
    auto e = error_of(std::nullopt, {{"API_TOKENS", bad},
                                     {"LISTEN_ADDRESS", "0.0.0.0:8080"}});
    BOOST_TEST(e.find("agent") != std::string::npos, e);
    BOOST_TEST(e.find(hex) == std::string::npos, e);
  }
}

BOOST_AUTO_TEST_CASE(bad_tokens_are_refused_without_showing_them) {
  const std::string short_hex(31, 'b');                  // 124 bits
  const std::string short_alnum = "Zq8Lr2Xw9Vt4Ns6Mp1Kj3";  // 21: 125 bits
  for (const auto& [key, value, says] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
         {"API_TOKENS", short_hex, "API_TOKENS entry 1"},
         {"API_TOKENS", std::string(32, 'c') + "," + short_alnum,
          "API_TOKENS entry 2"},
         {"API_TOKENS", "has space" + std::string(32, 'd'), "RFC 6750"},
         {"API_TOKENS", "a b:" + std::string(32, 'e'), "tenant name"},
         {"ADMIN_TOKENS", short_hex, "ADMIN_TOKENS entry 1"},
         {"API_TOKENS_FILE", "/nonexistent", "cannot be read"},
       }) {
    auto m = error_of(std::nullopt, {{key, value}});
    BOOST_TEST(m.find(says) != std::string::npos, key << ": " << m);
    BOOST_TEST(m.find(short_hex) == std::string::npos, m);
    BOOST_TEST(m.find(short_alnum) == std::string::npos, m);
  }
  const std::string token(32, 'f');
  auto m = error_of(std::nullopt, {{"API_TOKENS", "a:" + token},
                                   {"ADMIN_TOKENS", token}});
  BOOST_TEST(m.find("twice") != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(token_files_add_to_the_list) {
  auto dir = test::make_temp_dir("tokens");
  std::ofstream{dir / "api"} << "# comment\n\nacme:" << std::string(32, '1')
                             << "\nzeta:" << std::string(32, '2') << ","
                             << std::string(32, '3') << "\n";
  auto s = config::load(std::nullopt,
                        env_of({{"API_TOKENS", "old:" + std::string(32, '4')},
                                {"API_TOKENS_FILE", (dir / "api").string()}}));
  BOOST_TEST_REQUIRE(s.api_tokens.size() == 4u);
  BOOST_TEST(s.api_tokens[0].first == "old");
  BOOST_TEST(s.api_tokens[1].first == "acme");
  BOOST_TEST(s.api_tokens[2].first == "zeta");
  BOOST_TEST(s.api_tokens[3].first == "");
}

BOOST_AUTO_TEST_CASE(help_lists_every_key) {
  auto help = config::help_text("memoryd");
  for (const auto& o : config::documented_options())
    BOOST_TEST(help.find(std::string{o.name}) != std::string::npos, o.name);
}

BOOST_AUTO_TEST_CASE(tls_needs_both_files_or_neither) {
  auto s = config::load(std::nullopt, env_of({}));
  BOOST_TEST(s.tls_cert_file.empty());
  BOOST_TEST(s.tls_key_file.empty());
  s = config::load(write_file("TLS_CERT_FILE = \"/etc/memoryd/cert.pem\"\n"),
                   env_of({{"TLS_KEY_FILE", "/etc/memoryd/key.pem"}}));
  BOOST_TEST(s.tls_cert_file == "/etc/memoryd/cert.pem");
  BOOST_TEST(s.tls_key_file == "/etc/memoryd/key.pem");
  // The message names the missing key.
  auto m = error_of(std::nullopt, {{"TLS_CERT_FILE", "/etc/memoryd/cert.pem"}});
  BOOST_TEST(m.find("TLS_KEY_FILE is unset") != std::string::npos, m);
  m = error_of(std::nullopt, {{"TLS_KEY_FILE", "/etc/memoryd/key.pem"}});
  BOOST_TEST(m.find("TLS_CERT_FILE is unset") != std::string::npos, m);
}

// The installed /etc/memoryd/memoryd.toml lists every key commented out with
// its default, so uncommenting the lines changes nothing and loads cleanly.
BOOST_AUTO_TEST_CASE(annotated_file_lists_every_key_with_its_default) {
  std::ifstream in{MEMORYD_ANNOTATED_TOML};
  BOOST_TEST_REQUIRE(in.good(), MEMORYD_ANNOTATED_TOML);
  std::map<std::string, std::string> commented;  // key -> value as written
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find(" = ");
    if (line.rfind("# ", 0) == 0 && eq != std::string::npos)
      commented[line.substr(2, eq - 2)] = line.substr(eq + 3);
  }
  BOOST_CHECK_NO_THROW(config::load(MEMORYD_ANNOTATED_TOML, env_of({})));
  std::ostringstream defaults;
  for (const auto& o : config::documented_options()) {
    std::string name{o.name};
    auto it = commented.find(name);
    BOOST_TEST_REQUIRE((it != commented.end()), name << " is missing");
    if (o.default_value.starts_with("("))  // unset: the line is an example
      continue;
    auto value = it->second;
    if (value.starts_with("\""))
      value = value.substr(1, value.size() - 2);
    BOOST_TEST(value == o.default_value, name);
    defaults << name << " = " << it->second << "\n";
  }
  BOOST_CHECK_NO_THROW(config::load(write_file(defaults.str()), env_of({})));
}

BOOST_AUTO_TEST_SUITE_END()
