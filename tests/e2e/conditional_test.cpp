// Polling with If-None-Match: an unchanged session or site is 304 without
// a body; a change, another tag, or another tenant's resource is not.

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"

using namespace memoryd::test;

namespace {

api_reply get_if(api_client& c, const std::string& path, const std::string& tags) {
  return c.call("GET", path, {}, {{"If-None-Match", tags}});
}

} // namespace

BOOST_AUTO_TEST_SUITE(conditional_get)

BOOST_AUTO_TEST_CASE(an_unchanged_session_is_304) {
  api_client c{shared_daemon().port()};
  auto id = std::string{c.create_session({{"state", {{"v", 1}}}}).at("session_id").as_string()};
  const auto path = "/api/sessions/" + id;
  auto first = c.get(path);
  const auto tag = first.header("ETag");
  BOOST_TEST(tag == "\"1\"");
  for (const auto& tags : {tag, std::string{"W/\"1\""}, std::string{"\"7\", \"1\""},
                           std::string{"*"}}) {
    auto r = get_if(c, path, tags);
    BOOST_TEST(r.status == 304u, tags);
    BOOST_TEST(r.raw.body.empty());
    BOOST_TEST(r.header("ETag") == tag);
  }
  BOOST_TEST(get_if(c, path, "\"2\"").status == 200u);
  BOOST_REQUIRE(c.put(path, {{"state", {{"v", 2}}}}).status == 200u);
  auto changed = get_if(c, path, tag);
  BOOST_TEST(changed.status == 200u);
  BOOST_TEST(changed.header("ETag") == "\"2\"");
  BOOST_TEST(changed.object().at("state").at("v").as_int64() == 2);
  // Only reads are conditional on If-None-Match: a PUT is not held back.
  BOOST_TEST(c.put(path, {{"state", {{"v", 3}}}}, {{"If-None-Match", "\"3\""}}).status
             == 200u);
  // A missing session stays 404 whatever the tag.
  BOOST_TEST(get_if(c, "/api/sessions/00000000-0000-4000-8000-000000000000", "*").status
             == 404u);
}

BOOST_AUTO_TEST_CASE(a_site_is_304_until_a_version_is_added) {
  api_client c{shared_daemon().port()};
  auto session = std::string{c.create_session().at("session_id").as_string()};
  auto created = c.post("/api/sessions/" + session + "/sites",
                        {{"name", "Poll"}, {"code", "<p>1</p>"}});
  BOOST_REQUIRE(created.status == 201u);
  const auto path = "/api/sessions/sites/"
                    + std::string{created.object().at("site_id").as_string()};
  const auto tag = c.get(path).header("ETag");
  BOOST_TEST(!tag.empty());
  BOOST_TEST(get_if(c, path, tag).status == 304u);
  BOOST_REQUIRE(c.post(path + "/versions", {{"code", "<p>2</p>"}}).status == 201u);
  auto changed = get_if(c, path, tag);
  BOOST_TEST(changed.status == 200u);
  BOOST_TEST(changed.header("ETag") != tag);
  BOOST_TEST(changed.object().at("version_count").as_int64() == 2);
  BOOST_TEST(get_if(c, path, changed.header("ETag")).status == 304u);
}

BOOST_AUTO_TEST_SUITE_END()
