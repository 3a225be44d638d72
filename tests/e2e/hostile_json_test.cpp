// JSON that the parser accepts but memoryd could not keep, found by the
// fuzz targets (tests/fuzz): each is refused with 400 validation, never
// stored as text that no longer reads back, never a 5xx.

#include <charconv>
#include <cstring>
#include <string>
#include <tuple>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/expect_error.hpp"
#include "tests/e2e/hostile_daemon.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

api_client client() {
  return api_client{hostile_daemon().port()};
}

/// A session with one site of one version, exported uncompressed.
json::object export_document(api_client& c) {
  auto session = c.create_session(json::parse(R"({"state":{"step":1}})"));
  std::string id{session.at("session_id").as_string()};
  auto site = c.post("/api/sessions/" + id + "/sites",
                     json::parse(R"({"name":"s","code":"<p>hi</p>"})"));
  BOOST_TEST_REQUIRE(site.status == 201u, site.raw.body);
  auto exported = c.post("/api/sessions/export",
                         json::object{{"session_id", id}, {"compress", false}});
  BOOST_TEST_REQUIRE(exported.status == 200u, exported.raw.body);
  return exported.object().at("data").as_object();
}

} // namespace

BOOST_AUTO_TEST_SUITE(hostile_json)

BOOST_AUTO_TEST_CASE(numbers_beyond_a_double_are_refused) {
  auto c = client();
  expect_error(c.call("POST", "/api/sessions", R"({"state":{"x":1e400}})"),
               400, "validation", "1e400 in state");
  expect_error(c.call("POST", "/api/sessions",
                      R"({"preferences":{"x":[-1e400]}})"),
               400, "validation", "-1e400 in preferences");
  auto session = c.create_session();
  std::string id{session.at("session_id").as_string()};
  expect_error(c.call("PUT", "/api/sessions/" + id + "/preferences",
                      R"({"n":1e999})"),
               400, "validation", "1e999 in a preferences patch");
  auto r = c.get("/api/sessions/" + id);
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(r.object().at("preferences").as_object().empty(),
             "nothing was stored");
}

BOOST_AUTO_TEST_CASE(nul_is_refused_in_sessions_on_every_backend) {
  // PostgreSQL stores U+0000 neither in text nor in jsonb: it was a 503
  // there, after retrying a write that could only fail again.
  auto c = client();
  for (const char* body : {R"({"state":{"a":"\u0000"}})",
                           R"({"state":{"k\u0000":1}})",
                           R"({"preferences":{"x":["a\u0000b"]}})",
                           R"({"user_id":"al\u0000ice"})"})
    expect_error(c.call("POST", "/api/sessions", body), 400, "validation",
                 body);
  auto session = c.create_session();
  std::string id{session.at("session_id").as_string()};
  expect_error(c.call("PUT", "/api/sessions/" + id, R"({"state":{"a":"\u0000"}})"),
               400, "validation", "NUL in a replaced state");
  expect_error(c.call("PUT", "/api/sessions/" + id + "/preferences",
                      R"({"x":"\u0000"})"),
               400, "validation", "NUL in a preferences patch");
  // Any other character is kept: the escaped \u0001 and a backslash
  // followed by u0000 (not an escape of NUL).
  auto kept = c.call("POST", "/api/sessions",
                     R"({"state":{"a":"\u0001","b":"\\u0000"}})");
  BOOST_TEST_REQUIRE(kept.status == 201u, kept.raw.body);
  const auto& state = kept.object().at("state").as_object();
  BOOST_TEST(state.at("a").as_string() == "\x01");
  BOOST_TEST(state.at("b").as_string() == "\\u0000");
}

BOOST_AUTO_TEST_CASE(doubles_are_kept_exactly) {
  // PostgreSQL's jsonb returns DBL_MAX as 309 digits, which Boost.JSON's
  // own parser read as infinity; and it read 2.333331111161111e+40 (found
  // by fuzz_json_bodies) as a neighbouring double. memoryd reads them
  // exactly, so a value read back is the value sent, on both backends, and
  // so is a preferences merge, which reads the stored value again.
  auto c = client();
  const std::string numbers =
    R"({"max":1.7976931348623157e308,"min":-1.7976931348623157e308,)"
    R"("tiny":5e-324,"odd":2.333331111161111e+40,"e":1e308})";
  auto created = c.call("POST", "/api/sessions",
                        R"({"state":)" + numbers + R"(,"preferences":)"
                          + numbers + "}");
  BOOST_TEST_REQUIRE(created.status == 201u, created.raw.body);
  std::string id{created.object().at("session_id").as_string()};
  auto merged = c.call("PUT", "/api/sessions/" + id + "/preferences",
                       R"({"added":1})");
  BOOST_TEST_REQUIRE(merged.status == 200u, merged.raw.body);
  // Boost.JSON, which the test client parses with, has the same trouble:
  // the numbers are read from the text the daemon sent, with from_chars.
  const auto body = c.get("/api/sessions/" + id).raw.body;
  const auto state_at = body.find("\"state\":");
  const auto preferences_at = body.find("\"preferences\":");
  BOOST_TEST_REQUIRE(state_at < preferences_at);
  for (auto [field, from, to] :
       {std::tuple{"state", state_at, preferences_at},
        std::tuple{"preferences", preferences_at, body.size()}}) {
    BOOST_TEST_CONTEXT(field << " in " << body) {
      auto exact = [&, from = from, to = to](const char* key) {
        auto at = body.find("\"" + std::string{key} + "\":", from);
        BOOST_TEST_REQUIRE(at < to);
        at += std::strlen(key) + 3;
        while (body[at] == ' ')
          ++at;
        double d = 0;
        auto [end, ec] = std::from_chars(body.data() + at,
                                         body.data() + body.size(), d);
        BOOST_TEST_REQUIRE((ec == std::errc{}));
        return d;
      };
      BOOST_TEST(exact("max") == 1.7976931348623157e308);
      BOOST_TEST(exact("min") == -1.7976931348623157e308);
      BOOST_TEST(exact("tiny") == 5e-324);
      BOOST_TEST(exact("odd") == 2.333331111161111e+40);
      BOOST_TEST(exact("e") == 1e308);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_import_with_a_time_past_2262_is_refused) {
  auto c = client();
  auto doc = export_document(c);
  // The document as exported imports...
  auto ok = c.post("/api/sessions/import",
                   json::object{{"data", doc}, {"compressed", false}});
  BOOST_TEST(ok.status == 201u, ok.raw.body);
  // ...but not with a time the daemon cannot represent (it overflowed a
  // nanosecond count: undefined behaviour).
  for (const char* when : {"9999-12-31T23:59:59.000000Z",
                           "2263-01-01T00:00:00.000000Z",
                           "1600-01-01T00:00:00.000000Z",
                           "2026-11-24T02:00:00.00000000000000000001Z"}) {
    auto bad = doc;
    bad["sites"].as_array()[0].as_object()["versions"].as_array()[0]
      .as_object()["created_at"] = when;
    expect_error(c.post("/api/sessions/import",
                        json::object{{"data", bad}, {"compressed", false}}),
                 400, "validation", when);
  }
  // And a body with 1e400 anywhere in the document is refused too.
  auto inf = doc;
  inf["session"].as_object()["state"] = json::object{{"x", 1}};
  auto text = json::serialize(json::object{{"data", inf}, {"compressed", false}});
  text.replace(text.find("\"x\":1"), 5, "\"x\":1e400");
  expect_error(c.call("POST", "/api/sessions/import", text), 400, "validation",
               "1e400 in an imported state");
}

BOOST_AUTO_TEST_SUITE_END()
