#include "cache/redis_client.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

using memoryd::cache::parse_redis_url;

namespace {

// True when parsing `url` throws std::invalid_argument whose message says
// `expected` and does not leak `secret`.
bool rejected(const std::string& url, const std::string& expected,
              const std::string& secret = "hunter2") {
  try {
    parse_redis_url(url);
  } catch (const std::invalid_argument& e) {
    std::string message = e.what();
    BOOST_TEST_MESSAGE(url << " -> " << message);
    return message.find(expected) != std::string::npos
           && message.find(secret) == std::string::npos;
  }
  return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(redis_url)

BOOST_AUTO_TEST_CASE(host_alone_takes_the_defaults) {
  auto o = parse_redis_url("redis://cache.internal");
  BOOST_TEST(o.host == "cache.internal");
  BOOST_TEST(o.port == 6379);
  BOOST_TEST(o.db == 0);
  BOOST_TEST(o.password.empty());
  BOOST_TEST(o.username.empty());
}

BOOST_AUTO_TEST_CASE(every_part) {
  auto o = parse_redis_url("redis://app:p%40ss%3Aw0rd@10.0.0.7:6380/3");
  BOOST_TEST(o.username == "app");
  BOOST_TEST(o.password == "p@ss:w0rd");
  BOOST_TEST(o.host == "10.0.0.7");
  BOOST_TEST(o.port == 6380);
  BOOST_TEST(o.db == 3);
}

BOOST_AUTO_TEST_CASE(password_without_user) {
  auto colon = parse_redis_url("redis://:s3cret@h");
  BOOST_TEST(colon.username.empty());
  BOOST_TEST(colon.password == "s3cret");
  auto bare = parse_redis_url("redis://s3cret@h:7000");
  BOOST_TEST(bare.username.empty());
  BOOST_TEST(bare.password == "s3cret");
  BOOST_TEST(bare.port == 7000);
}

BOOST_AUTO_TEST_CASE(raw_at_and_slash_in_a_password) {
  auto o = parse_redis_url("redis://:a@b/c@h:1/2");
  BOOST_TEST(o.password == "a@b/c");
  BOOST_TEST(o.host == "h");
  BOOST_TEST(o.port == 1);
  BOOST_TEST(o.db == 2);
}

BOOST_AUTO_TEST_CASE(ipv6_and_empty_path) {
  auto o = parse_redis_url("redis://[::1]:6390/");
  BOOST_TEST(o.host == "::1");
  BOOST_TEST(o.port == 6390);
  BOOST_TEST(o.db == 0);
  BOOST_TEST(parse_redis_url("redis://[::1]").port == 6379);
}

BOOST_AUTO_TEST_CASE(wrong_scheme) {
  BOOST_TEST(rejected("http://h:6379", "scheme 'http'"));
  BOOST_TEST(rejected("rediss://:hunter2@h", "scheme 'rediss'"));
  BOOST_TEST(rejected("h:6379", "expected redis://"));
  BOOST_TEST(rejected("", "expected redis://"));
}

BOOST_AUTO_TEST_CASE(bad_port) {
  for (auto port : {"0", "65536", "99999", "abc", "", "-1", "63 79"})
    BOOST_TEST(rejected(std::string{"redis://:hunter2@h:"} + port + "/1",
                        "bad port"),
               port);
}

BOOST_AUTO_TEST_CASE(bad_db) {
  for (auto db : {"x", "-1", "1a", "99999999999", "0?timeout=1"})
    BOOST_TEST(rejected(std::string{"redis://:hunter2@h:6379/"} + db,
                        "bad database"),
               db);
}

BOOST_AUTO_TEST_CASE(no_host_or_bad_escape) {
  BOOST_TEST(rejected("redis://", "no host"));
  BOOST_TEST(rejected("redis://:hunter2@", "no host"));
  BOOST_TEST(rejected("redis://:hunter2@:6379", "no host"));
  BOOST_TEST(rejected("redis://:hunter2%4@h", "bad %-escape in the password"));
}

BOOST_AUTO_TEST_SUITE_END()
