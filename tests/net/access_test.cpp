// Who may call what: the access policy alone, without sockets.

#include <variant>

#include <boost/test/unit_test.hpp>

#include "net/access.hpp"

using namespace memoryd;
using namespace memoryd::net;

namespace {

const std::string acme(32, 'a');
const std::string zeta(32, 'z');
const std::string admin(32, '0');

access_policy tokens() {
  return access_policy{{{"acme", acme}, {"zeta", zeta}}, {admin}};
}

unsigned status_of(const std::variant<principal, access_denied>& v) {
  if (auto* d = std::get_if<access_denied>(&v))
    return d->status;
  return 200;
}

std::string tenant_of(const std::variant<principal, access_denied>& v) {
  return std::get<principal>(v).tenant;
}

} // namespace

BOOST_AUTO_TEST_SUITE(access_policy_cases)

BOOST_AUTO_TEST_CASE(without_tokens_everything_is_open) {
  access_policy open;
  BOOST_TEST(status_of(open.authorize(route::session_get, "")) == 200u);
  BOOST_TEST(tenant_of(open.authorize(route::session_get, "Bearer x")) == "");
  BOOST_TEST(status_of(open.authorize(route::admin_cleanup, "")) == 200u);
}

BOOST_AUTO_TEST_CASE(api_tokens_name_their_tenant) {
  auto p = tokens();
  BOOST_TEST(tenant_of(p.authorize(route::session_get, "Bearer " + acme)) == "acme");
  BOOST_TEST(tenant_of(p.authorize(route::sites_create, "bearer   " + zeta + " "))
             == "zeta");
  auto none = p.authorize(route::session_get, "");
  BOOST_TEST(status_of(none) == 401u);
  BOOST_TEST(std::get<access_denied>(none).challenge == R"(Bearer realm="memoryd")");
  auto wrong = p.authorize(route::session_get, "Bearer " + std::string(32, 'b'));
  BOOST_TEST(status_of(wrong) == 401u);
  BOOST_TEST(std::get<access_denied>(wrong).challenge.find("invalid_token")
             != std::string::npos);
  BOOST_TEST(status_of(p.authorize(route::session_get, "Basic " + acme)) == 401u);
  BOOST_TEST(status_of(p.authorize(route::session_get, "Bearer " + acme + "x"))
             == 401u);
  BOOST_TEST(status_of(p.authorize(route::session_get, "Bearer " + admin)) == 403u);
}

BOOST_AUTO_TEST_CASE(admin_routes_take_admin_tokens_only) {
  auto p = tokens();
  BOOST_TEST(status_of(p.authorize(route::admin_cleanup, "Bearer " + admin)) == 200u);
  BOOST_TEST(status_of(p.authorize(route::admin_cleanup, "Bearer " + acme)) == 403u);
  BOOST_TEST(status_of(p.authorize(route::admin_cleanup, "")) == 401u);
  // API tokens without admin tokens: /admin is closed to everyone.
  access_policy api_only{{{"acme", acme}}, {}};
  BOOST_TEST(status_of(api_only.authorize(route::admin_cleanup, "Bearer " + acme))
             == 403u);
  // Admin tokens alone protect /admin and leave /api open (loopback only).
  access_policy admin_only{{}, {admin}};
  BOOST_TEST(status_of(admin_only.authorize(route::admin_cleanup, "")) == 401u);
  BOOST_TEST(status_of(admin_only.authorize(route::session_get, "")) == 200u);
}

BOOST_AUTO_TEST_CASE(probes_are_public) {
  auto p = tokens();
  BOOST_TEST(status_of(p.authorize(route::healthz, "")) == 200u);
  BOOST_TEST(status_of(p.authorize(route::readyz, "Bearer nonsense")) == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
