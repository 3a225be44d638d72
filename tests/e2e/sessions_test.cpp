// Every session route against the real daemon over real sockets.

#include <set>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

api_client client() {
  return api_client{shared_daemon().port()};
}

std::string path_of(const json::object& session) {
  return "/api/sessions/" + std::string{session.at("session_id").as_string()};
}

bool is_rfc3339_utc(const json::value& v) {
  if (!v.is_string())
    return false;
  std::string s{v.as_string()};
  return s.size() >= 20 && s[4] == '-' && s[10] == 'T' && s.back() == 'Z';
}

} // namespace

BOOST_AUTO_TEST_SUITE(sessions)

BOOST_AUTO_TEST_CASE(healthz_and_readyz) {
  auto c = client();
  auto live = c.get("/healthz");
  BOOST_TEST(live.status == 200u);
  BOOST_TEST(live.object().at("status").as_string() == "ok");
  BOOST_TEST(!live.header("X-Request-Id").empty());
  auto ready = c.get("/readyz");
  BOOST_TEST(ready.status == 200u);
  BOOST_TEST(ready.object().at("database").at("state").as_string() == "up");
  BOOST_TEST(ready.object().at("cache").at("state").as_string() == "up");
  auto expected_kind = shared_backend().shared_cache ? "redis" : "in-process";
  BOOST_TEST(ready.object().at("cache").at("kind").as_string() == expected_kind);
}

BOOST_AUTO_TEST_CASE(request_id_is_echoed) {
  auto c = client();
  auto r = c.call("GET", "/healthz", {}, {{"X-Request-Id", "trace-42"}});
  BOOST_TEST(r.header("X-Request-Id") == "trace-42");
  auto missing = c.call("GET", "/api/sessions/00000000-0000-4000-8000-000000000000",
                        {}, {{"X-Request-Id", "trace-43"}});
  BOOST_TEST(missing.status == 404u);
  BOOST_TEST(missing.error_type() == "not_found");
  BOOST_TEST(missing.object().at("error").at("request_id").as_string() == "trace-43");
}

BOOST_AUTO_TEST_CASE(create_with_defaults) {
  auto c = client();
  auto r = c.call("POST", "/api/sessions", "");
  BOOST_TEST_REQUIRE(r.status == 201u);
  const auto& s = r.object();
  BOOST_TEST(s.at("session_id").as_string().size() == 36u);
  BOOST_TEST(s.at("user_id").is_null());
  BOOST_TEST(s.at("state") == json::object{});
  BOOST_TEST(s.at("preferences") == json::object{});
  BOOST_TEST(s.at("revision").as_int64() == 1);
  BOOST_TEST(is_rfc3339_utc(s.at("created_at")));
  BOOST_TEST(s.at("created_at") == s.at("updated_at"));
  BOOST_TEST(r.header("ETag") == "\"1\"");
  BOOST_TEST(r.header("Location") == path_of(s));
}

BOOST_AUTO_TEST_CASE(create_and_read_back_everything) {
  auto c = client();
  json::value body = {
    {"user_id", "user-ünïcødé-🙂"},
    {"state", {{"step", "requirements"}, {"answers", json::array{1, "two", nullptr}}}},
    {"preferences",
     {{"default_color_scheme", "dark"},
      {"favorite_features", json::array{"blog", "shop"}},
      {"custom", {{"nested", true}}}}}};
  auto created = c.create_session(body);
  auto got = c.get(path_of(created));
  BOOST_TEST_REQUIRE(got.status == 200u);
  BOOST_TEST(got.object().at("user_id") == body.at("user_id"));
  BOOST_TEST(got.object().at("state") == body.at("state"));
  BOOST_TEST(got.object().at("preferences") == body.at("preferences"));
  BOOST_TEST(got.header("ETag") == "\"1\"");
  auto x_cache = got.header("X-Cache");
  BOOST_TEST((x_cache == "hit" || x_cache == "miss"));
}

BOOST_AUTO_TEST_CASE(put_replaces_given_fields_and_bumps_revision) {
  auto c = client();
  auto s = c.create_session({{"user_id", "u1"}, {"state", {{"a", 1}}}});
  auto path = path_of(s);
  auto r = c.put(path, {{"state", {{"b", 2}}}});
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(r.object().at("state") == (json::object{{"b", 2}}));
  BOOST_TEST(r.object().at("user_id").as_string() == "u1");  // not given: kept
  BOOST_TEST(r.object().at("revision").as_int64() == 2);
  BOOST_TEST(r.header("ETag") == "\"2\"");
  BOOST_TEST(r.object().at("created_at") == s.at("created_at"));
  r = c.put(path, {{"user_id", nullptr}, {"preferences", {{"design_style", "flat"}}}});
  BOOST_TEST_REQUIRE(r.status == 200u);
  BOOST_TEST(r.object().at("user_id").is_null());
  BOOST_TEST(r.object().at("preferences") == (json::object{{"design_style", "flat"}}));
  BOOST_TEST(r.object().at("revision").as_int64() == 3);
  auto got = c.get(path);
  BOOST_TEST(got.json == r.json);
}

BOOST_AUTO_TEST_CASE(if_match) {
  auto c = client();
  auto path = path_of(c.create_session({{"state", {{"v", 1}}}}));
  auto ok = c.put(path, {{"state", {{"v", 2}}}}, {{"If-Match", "\"1\""}});
  BOOST_TEST_REQUIRE(ok.status == 200u);
  BOOST_TEST(ok.header("ETag") == "\"2\"");
  auto stale = c.put(path, {{"state", {{"v", 3}}}}, {{"If-Match", "\"1\""}});
  BOOST_TEST(stale.status == 412u);
  BOOST_TEST(stale.error_type() == "precondition_failed");
  auto got = c.get(path);
  BOOST_TEST(got.object().at("state") == (json::object{{"v", 2}}));
  BOOST_TEST(got.object().at("revision").as_int64() == 2);
  auto any = c.put(path, {{"state", {{"v", 4}}}}, {{"If-Match", "*"}});
  BOOST_TEST(any.status == 200u);
  auto bad = c.put(path, {{"state", {{"v", 5}}}}, {{"If-Match", "yesterday"}});
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(bad.error_type() == "validation");
  BOOST_TEST(c.get(path).object().at("revision").as_int64() == 3);
}

BOOST_AUTO_TEST_CASE(preferences_merge_patch) {
  auto c = client();
  auto s = c.create_session(
    {{"preferences",
      {{"default_color_scheme", "dark"},
       {"design_style", "flat"},
       {"layout", {{"columns", 2}, {"gutter", 8}}}}}});
  auto path = path_of(s) + "/preferences";
  auto r = c.put(path, {{"design_style", nullptr},
                        {"default_site_type", "portfolio"},
                        {"layout", {{"gutter", nullptr}, {"rows", 3}}}});
  BOOST_TEST_REQUIRE(r.status == 200u);
  json::object expected = {{"default_color_scheme", "dark"},
                           {"default_site_type", "portfolio"},
                           {"layout", {{"columns", 2}, {"rows", 3}}}};
  BOOST_TEST(r.object().at("session_id") == s.at("session_id"));
  BOOST_TEST(r.object().at("preferences") == expected);
  BOOST_TEST(r.header("ETag") == "\"2\"");
  auto got = c.get(path_of(s));
  BOOST_TEST(got.object().at("preferences") == expected);
  BOOST_TEST(got.object().at("revision").as_int64() == 2);

  // A type error changes nothing.
  auto bad = c.put(path, {{"favorite_features", json::array{"blog", 7}}});
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(bad.error_type() == "validation");
  bad = c.put(path, json::array{1, 2});
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(c.get(path_of(s)).object().at("preferences") == expected);
  auto missing = c.put("/api/sessions/00000000-0000-4000-8000-000000000000/preferences",
                       {{"design_style", "x"}});
  BOOST_TEST(missing.status == 404u);
}

BOOST_AUTO_TEST_CASE(delete_session) {
  auto c = client();
  auto path = path_of(c.create_session());
  BOOST_TEST(c.get(path).status == 200u);  // now cached
  auto r = c.del(path);
  BOOST_TEST(r.status == 204u);
  BOOST_TEST(r.raw.body.empty());
  auto gone = c.get(path);
  BOOST_TEST(gone.status == 404u);
  BOOST_TEST(gone.error_type() == "not_found");
  BOOST_TEST(c.del(path).status == 404u);
  BOOST_TEST(c.put(path, {{"state", json::object{}}}).status == 404u);
}

BOOST_AUTO_TEST_CASE(list_pages_without_duplicates_or_gaps) {
  auto c = client();
  auto user = "lister-" + std::to_string(::getpid());
  std::vector<std::string> created;
  for (int i = 0; i < 45; ++i)
    created.emplace_back(
      c.create_session({{"user_id", user}, {"state", {{"i", i}}}}).at("session_id").as_string());
  c.create_session({{"user_id", user + "-other"}});
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto target = "/api/sessions?limit=7&user_id=" + user
                  + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto r = c.get(target);
    BOOST_TEST_REQUIRE(r.status == 200u);
    ++pages;
    const auto& items = r.object().at("items").as_array();
    BOOST_TEST(items.size() <= 7u);
    for (const auto& item : items) {
      BOOST_TEST(item.at("user_id").as_string() == user);
      seen.emplace_back(item.at("session_id").as_string());
    }
    const auto& next = r.object().at("next_cursor");
    if (next.is_null())
      break;
    cursor = next.as_string();
    BOOST_TEST_REQUIRE(pages < 20);
  }
  BOOST_TEST(pages == 7);
  BOOST_TEST(seen == created, "oldest first, every session exactly once");
  BOOST_TEST(std::set<std::string>(seen.begin(), seen.end()).size() == 45u);

  // The default limit is 20, and an unfiltered list reaches past it.
  auto first = c.get("/api/sessions");
  BOOST_TEST(first.object().at("items").as_array().size() == 20u);
  BOOST_TEST(first.object().at("next_cursor").is_string());
}

BOOST_AUTO_TEST_CASE(list_rejects_bad_parameters) {
  auto c = client();
  for (auto target : {"/api/sessions?limit=0", "/api/sessions?limit=101",
                      "/api/sessions?limit=abc", "/api/sessions?limit=-1",
                      "/api/sessions?cursor=not-a-cursor",
                      "/api/sessions?cursor=", "/api/sessions?user_id="}) {
    auto r = c.get(target);
    BOOST_TEST(r.status == 400u, target);
    BOOST_TEST(r.error_type() == "validation", target);
  }
}

BOOST_AUTO_TEST_SUITE_END()
