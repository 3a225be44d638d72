#include <boost/test/unit_test.hpp>

#include "storage/errors.hpp"
#include "storage/ownership.hpp"
#include "storage/preferences_repository.hpp"
#include "storage/session_repository.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

BOOST_AUTO_TEST_SUITE(ownership_cases)

STORAGE_TEST_CASE(owners_of_sessions_and_sites) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  auto s = make_session("acme");
  session_repository{sql}.create(s);
  const auto site = random_uuid();
  insert_site_tree(sql, s.session_id, site);
  BOOST_TEST(session_owner(sql, s.session_id).value_or("") == "acme");
  BOOST_TEST(site_owner(sql, site).value_or("") == "acme");
  BOOST_TEST(!session_owner(sql, random_uuid()).has_value());
  BOOST_TEST(!site_owner(sql, random_uuid()).has_value());
  BOOST_TEST(!site_owner(sql, "not-a-uuid").has_value());
}

// Another tenant's session can be neither changed nor deleted, and looks
// exactly like a missing one.
STORAGE_TEST_CASE(another_tenants_session_is_not_found) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  session_repository repo{sql};
  auto s = make_session("acme");
  repo.create(s);
  session_update u;
  u.session_id = s.session_id;
  u.tenant = "zeta";
  u.set_state = true;
  u.state_json = R"({"stolen": true})";
  BOOST_CHECK_THROW(repo.update(u), not_found);
  u.expected_revision = 1;  // not 412: that would tell it exists
  BOOST_CHECK_THROW(repo.update(u), not_found);
  BOOST_CHECK_THROW(preferences_repository{sql}.replace(
                      s.session_id, "zeta", "{}", 1, "2026-11-24T05:00:00Z"),
                    not_found);
  std::vector<std::string> sites;
  BOOST_TEST(!repo.remove(s.session_id, "zeta", sites));
  auto stored = repo.find(s.session_id);
  BOOST_TEST_REQUIRE(stored.has_value());
  BOOST_TEST(stored->revision == 1);
  BOOST_TEST(stored->state_json == s.state_json);
  BOOST_TEST(repo.remove(s.session_id, "acme", sites));
}

BOOST_AUTO_TEST_SUITE_END()
