// Cache entries that carry their tenant: served only to that tenant.

#include <boost/test/unit_test.hpp>

#include "actors/owned_body.hpp"

using namespace memoryd;

BOOST_AUTO_TEST_SUITE(owned_body)

BOOST_AUTO_TEST_CASE(only_the_owner_opens_an_entry) {
  const std::string body = R"({"session_id":"x","state":{"a":"line\nbreak"}})";
  for (std::string tenant : {"", "acme", "me", "a.b-c_9"}) {
    auto entry = seal_body(tenant, body);
    BOOST_TEST(open_body(tenant, entry).value_or("?") == body, tenant);
  }
  auto acme = seal_body("acme", body);
  BOOST_TEST(!open_body("", acme).has_value());
  BOOST_TEST(!open_body("me", acme).has_value());  // a suffix of "acme"
  BOOST_TEST(!open_body("xacme", acme).has_value());
  BOOST_TEST(!open_body("acme", seal_body("", body)).has_value());
  BOOST_TEST(!open_body("", "").has_value());
  BOOST_TEST(!open_body("acme", "acme").has_value());
  // An empty body is still a body.
  BOOST_TEST(open_body("acme", seal_body("acme", "")).value_or("?") == "");
}

BOOST_AUTO_TEST_SUITE_END()
