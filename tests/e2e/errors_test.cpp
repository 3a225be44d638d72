// Every error the session routes can produce comes in the contract's
// envelope, and a rejected request changes nothing.

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/expect_error.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

api_client client() {
  return api_client{shared_daemon().port()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(bad_bodies_on_create) {
  auto c = client();
  struct bad {
    std::string body;
    std::string what;
  };
  std::vector<bad> cases = {
    {"{", "truncated JSON"},
    {"{\"state\": {}} trailing", "trailing garbage"},
    {"[1,2]", "not an object"},
    {"\"text\"", "a string"},
    {"{\"state\": []}", "state not an object"},
    {"{\"state\": \"x\"}", "state a string"},
    {"{\"preferences\": 3}", "preferences not an object"},
    {"{\"user_id\": 5}", "user_id a number"},
    {"{\"user_id\": \"\"}", "user_id empty"},
    {"{\"user_id\": \"" + std::string(300, 'u') + "\"}", "user_id too long"},
    {"{\"preferences\": {\"default_color_scheme\": 1}}", "color scheme a number"},
    {"{\"preferences\": {\"favorite_features\": \"blog\"}}", "features a string"},
    {"{\"preferences\": {\"favorite_features\": [\"a\", null]}}", "features with null"},
    {"{\"preferences\": {\"design_style\": null}}", "design_style null"},
    {"{\"colour\": \"red\"}", "unknown field"},
    {"{\"state\": {\"s\": \"\xff\xfe\"}}", "invalid UTF-8"},
  };
  for (const auto& [body, what] : cases)
    expect_error(c.call("POST", "/api/sessions", body), 400, "validation", what);
}

BOOST_AUTO_TEST_CASE(nesting_deeper_than_the_limit) {
  auto c = client();
  std::string deep;
  for (std::size_t i = 0; i < test_max_json_depth + 5; ++i)
    deep += "{\"a\":";
  deep += "1";
  deep.append(test_max_json_depth + 5, '}');
  auto r = c.call("POST", "/api/sessions", "{\"state\":" + deep + "}");
  expect_error(r, 400, "validation", "too deep");
  BOOST_TEST(std::string{r.object().at("error").at("message").as_string()}.find("nested")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(body_over_the_limit) {
  auto c = client();
  std::string big = "{\"state\":{\"blob\":\"" + std::string(test_max_body_bytes, 'x') + "\"}}";
  expect_error(c.call("POST", "/api/sessions", big), 413, "payload_too_large",
               "body over MAX_BODY_BYTES");
  // The daemon is still there, and a body just under the limit passes.
  std::string fits = "{\"state\":{\"blob\":\""
                     + std::string(test_max_body_bytes - 100, 'x') + "\"}}";
  auto c2 = client();
  BOOST_TEST(c2.call("POST", "/api/sessions", fits).status == 201u);
}

BOOST_AUTO_TEST_CASE(bad_and_unknown_ids) {
  auto c = client();
  for (auto id : {"not-a-uuid", "12345", "00000000-0000-4000-8000-00000000000",
                  "00000000-0000-4000-8000-0000000000000",
                  "g0000000-0000-4000-8000-000000000000"}) {
    auto path = std::string{"/api/sessions/"} + id;
    expect_error(c.get(path), 400, "validation", path);
    expect_error(c.put(path, json::object{}), 400, "validation", path);
    expect_error(c.del(path), 400, "validation", path);
    expect_error(c.put(path + "/preferences", json::object{}), 400, "validation", path);
  }
  auto unknown = "/api/sessions/6f1c7a52-3a4e-4a8e-9d7e-2b1f0c9e8d7a";
  expect_error(c.get(unknown), 404, "not_found", "unknown id");
  expect_error(c.put(unknown, {{"state", json::object{}}}), 404, "not_found", "put unknown");
  expect_error(c.del(unknown), 404, "not_found", "delete unknown");
}

BOOST_AUTO_TEST_CASE(bad_update_changes_nothing) {
  auto c = client();
  auto s = c.create_session({{"state", {{"keep", true}}}});
  auto path = "/api/sessions/" + std::string{s.at("session_id").as_string()};
  expect_error(c.call("PUT", path, "{\"state\": 1}"), 400, "validation", "state type");
  expect_error(c.call("PUT", path, "{\"state\": {}, \"extra\": 1}"), 400, "validation",
               "unknown field");
  expect_error(c.call("PUT", path, "nope"), 400, "validation", "bad JSON");
  auto got = c.get(path);
  BOOST_TEST(got.object().at("revision").as_int64() == 1);
  BOOST_TEST(got.object().at("state") == (json::object{{"keep", true}}));
}

BOOST_AUTO_TEST_CASE(unknown_routes_and_methods) {
  auto c = client();
  expect_error(c.get("/nope"), 404, "not_found", "unknown path");
  expect_error(c.get("/api/nothing"), 404, "not_found", "unknown api path");
  auto r = c.call("PATCH", "/api/sessions");
  BOOST_TEST(r.status == 405u);
  BOOST_TEST(!r.header("Allow").empty());
  BOOST_TEST(r.error_type() == "validation");
}

BOOST_AUTO_TEST_SUITE_END()
