#include "net/router.hpp"

#include <boost/test/unit_test.hpp>

namespace memoryd::net {

namespace {

constexpr auto uuid = "0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a";
constexpr auto upper_uuid = "0B6A2C1E-8F4D-4C3B-9A7E-5D2F1E0C9B8A";

route_match expect_match(std::string_view method, std::string_view target) {
  auto result = match_route(method, target);
  if (auto* error = std::get_if<route_error>(&result))
    BOOST_FAIL(std::string{method} << " " << target << ": " << error->status
                                   << " " << error->message);
  return std::get<route_match>(std::move(result));
}

route_error expect_error(std::string_view method, std::string_view target) {
  auto result = match_route(method, target);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<route_error>(result),
                        method << " " << target << " unexpectedly matched");
  return std::get<route_error>(std::move(result));
}

std::string_view route_of(std::string_view method, std::string_view target) {
  return to_string(expect_match(method, target).target);
}

std::string session_path(std::string_view id, std::string_view rest = {}) {
  return "/api/sessions/" + std::string{id} + std::string{rest};
}

} // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(every_route) {
  struct row {
    std::string_view method;
    std::string target;
    route expected;
  };
  const row rows[] = {
    {"GET", "/healthz", route::healthz},
    {"GET", "/readyz", route::readyz},
    {"POST", "/api/sessions", route::sessions_create},
    {"GET", "/api/sessions", route::sessions_list},
    {"GET", session_path(uuid), route::session_get},
    {"PUT", session_path(uuid), route::session_put},
    {"DELETE", session_path(uuid), route::session_delete},
    {"PUT", session_path(uuid, "/preferences"), route::preferences_put},
    {"POST", "/admin/cleanup", route::admin_cleanup},
    {"POST", std::string{"/api/sessions/sites/"} + uuid + "/versions/3/restore",
     route::version_restore},
    {"POST", std::string{"/api/sessions/sites/"} + uuid + "/fork",
     route::site_fork},
    {"GET", "/api/events", route::events_list},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.method << " " << r.target) {
      auto match = expect_match(r.method, r.target);
      BOOST_TEST(to_string(match.target) == to_string(r.expected));
      BOOST_TEST(match.query.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(the_query_reaches_the_handler_as_given) {
  auto match = expect_match("POST", "/admin/cleanup?dry_run=true");
  BOOST_TEST(to_string(match.target) == "admin_cleanup");
  BOOST_TEST_REQUIRE(match.query.size() == 1u);
  BOOST_TEST(match.query[0].first == "dry_run");
  BOOST_TEST(match.query[0].second == "true");
}

BOOST_AUTO_TEST_CASE(session_ids_are_normalized_to_lower_case) {
  auto match = expect_match("GET", session_path(upper_uuid));
  BOOST_TEST(match.path_params == std::vector<std::string>{uuid});
  match = expect_match("PUT", session_path(upper_uuid, "/preferences"));
  BOOST_TEST(match.path_params == std::vector<std::string>{uuid});
}

BOOST_AUTO_TEST_CASE(one_trailing_slash_is_ignored) {
  BOOST_TEST(route_of("GET", "/api/sessions/") == "sessions_list");
  BOOST_TEST(route_of("GET", session_path(uuid, "/")) == "session_get");
  BOOST_TEST(route_of("GET", "/healthz/") == "healthz");
  BOOST_TEST(expect_error("GET", "/api/sessions//").status == 404u);
}

BOOST_AUTO_TEST_CASE(non_canonical_paths_name_no_resource) {
  // Decoded per segment: an encoded character of an id is that character.
  BOOST_TEST(route_of("GET", "/api/sessions/%30b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a")
             == "session_get");
  // Nothing else is normalised, on any route: 404, never another resource.
  for (std::string_view target :
       {"/api/sessions/./0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a",
        "/api/sessions/x/../0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a",
        "/api/sessions%2F0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a",
        "//api/sessions/0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a",
        "/api/sessions/sites/0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a//versions",
        "/api/Sessions/sites/0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a",
        "/admin/./stats", "/metrics/.."}) {
    BOOST_TEST_CONTEXT(target) {
      BOOST_TEST(expect_error("GET", target).status == 404u);
    }
  }
  // In an ID position, a decoded "sites/<id>" is no ID.
  BOOST_TEST(expect_error("GET",
                          "/api/sessions/sites%2F0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a")
               .status
             == 400u);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404) {
  for (std::string_view target :
       {"/", "/nope", "/api", "/api/", "/healthz/extra", "/api//sessions",
        "/API/sessions", "/api/sessions/x/y",
        "/api/sessions/0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a/nope",
        "/a/b/c/d/e/f/g/h/i/j/k/l"}) {
    BOOST_TEST_CONTEXT(target) {
      auto error = expect_error("GET", target);
      BOOST_TEST(error.status == 404u);
      BOOST_TEST(to_string(error.type) == "not_found");
      BOOST_TEST(error.allow.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(other_methods_are_405_with_allow) {
  struct row {
    std::string_view method;
    std::string target;
    std::string_view allow;
  };
  const row rows[] = {
    {"DELETE", "/api/sessions", "POST, GET"},
    {"POST", session_path(uuid), "GET, PUT, DELETE"},
    {"PATCH", session_path("not-a-uuid"), "GET, PUT, DELETE"},
    {"GET", session_path(uuid, "/preferences"), "PUT"},
    {"HEAD", "/healthz", "GET"},
    {"get", "/readyz", "GET"}, // methods are case-sensitive
    {"GET", "/admin/cleanup", "POST"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.method << " " << r.target) {
      auto error = expect_error(r.method, r.target);
      BOOST_TEST(error.status == 405u);
      BOOST_TEST(to_string(error.type) == "validation");
      BOOST_TEST(error.allow == r.allow);
      BOOST_TEST(error.message.find(r.method) != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(ids_that_are_not_uuids_are_400) {
  for (const auto& [method, target] :
       std::initializer_list<std::pair<std::string_view, std::string>>{
         {"GET", session_path("not-a-uuid")},
         {"GET", session_path("sites")},
         {"DELETE", session_path("0b6a2c1e8f4d4c3b9a7e5d2f1e0c9b8a")},
         {"PUT", session_path("0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8",
                              "/preferences")},
         {"GET", session_path("%7B0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8a%7D")},
       }) {
    BOOST_TEST_CONTEXT(method << " " << target) {
      auto error = expect_error(method, target);
      BOOST_TEST(error.status == 400u);
      BOOST_TEST(to_string(error.type) == "validation");
      BOOST_TEST(error.message == "session_id must be a UUID");
    }
  }
}

BOOST_AUTO_TEST_CASE(query_is_decoded_in_order) {
  auto match = expect_match(
    "GET", "/api/sessions?limit=10&cursor=a%2Fb%3D&user_id=J%C3%BCrgen&flag"
           "&q=a+b&limit=20&empty=");
  std::vector<std::string> query;
  for (const auto& [key, value] : match.query)
    query.push_back(key + "=" + value);
  std::vector<std::string> expected{"limit=10", "cursor=a/b=",
                                    "user_id=J\xc3\xbcrgen", "flag=",
                                    "q=a b", "limit=20", "empty="};
  BOOST_TEST(query == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(path_segments_are_percent_decoded) {
  BOOST_TEST(route_of("GET", "/api/%73essions") == "sessions_list");
  auto match = expect_match("GET", "/api/sessions/0b6a2c1e%2D8f4d-4c3b-9a7e-"
                                   "5d2f1e0c9b8a");
  BOOST_TEST(match.path_params == std::vector<std::string>{uuid});
}

BOOST_AUTO_TEST_CASE(malformed_targets_are_400) {
  for (std::string_view target :
       {"/api/sessions?cursor=%zz", "/api/sessions?cursor=%4", "/api/sess%G1",
        "api/sessions", "http://example.com/api/sessions", "*", "",
        "/api/sessions#fragment", "/api/ses sions"}) {
    BOOST_TEST_CONTEXT(target) {
      auto error = expect_error("GET", target);
      BOOST_TEST(error.status == 400u);
      BOOST_TEST(to_string(error.type) == "validation");
    }
  }
}

BOOST_AUTO_TEST_CASE(version_diff_route) {
  const auto versions = "/api/sessions/sites/" + std::string{upper_uuid}
                        + "/versions/";
  auto match = expect_match("GET", versions + "7/diff?against=3&context=0");
  BOOST_TEST(to_string(match.target) == "version_diff");
  BOOST_TEST((match.path_params == std::vector<std::string>{uuid, "7"}));
  BOOST_TEST_REQUIRE(match.query.size() == 2u);
  BOOST_TEST(match.query[0].second == "3");
  BOOST_TEST(route_of("GET", versions + "7") == "version_get");
  BOOST_TEST(route_of("GET", versions + "7/diff/") == "version_diff");
  // The number is the handler's to check; the site id the router's.
  BOOST_TEST(route_of("GET", versions + "x/diff") == "version_diff");
  BOOST_TEST(expect_error("GET", "/api/sessions/sites/nope/versions/7/diff")
               .status == 400u);
  auto post = expect_error("POST", versions + "7/diff");
  BOOST_TEST(post.status == 405u);
  BOOST_TEST(post.allow == "GET");
  BOOST_TEST(expect_error("GET", versions + "7/diff/more").status == 404u);
  auto labels = route_labels();
  BOOST_TEST(labels[static_cast<std::size_t>(route::version_diff)].route
             == "/api/sessions/sites/{site_id}/versions/{version}/diff");
}

BOOST_AUTO_TEST_CASE(uuid_syntax) {
  BOOST_TEST(is_uuid(uuid));
  BOOST_TEST(is_uuid(upper_uuid));
  BOOST_TEST(is_uuid("00000000-0000-0000-0000-000000000000"));
  BOOST_TEST(!is_uuid(""));
  BOOST_TEST(!is_uuid("0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8"));
  BOOST_TEST(!is_uuid("0b6a2c1e-8f4d-4c3b-9a7e-5d2f1e0c9b8aa"));
  BOOST_TEST(!is_uuid("0b6a2c1e+8f4d-4c3b-9a7e-5d2f1e0c9b8a"));
  BOOST_TEST(!is_uuid("0b6a2c1g-8f4d-4c3b-9a7e-5d2f1e0c9b8a"));
  BOOST_TEST(!is_uuid("0b6a2c1e8f4d-4c3b-9a7e-5d2f1e0c9b8a-"));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::net
