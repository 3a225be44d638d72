// Restored versions and forks in the site repository, on both backends.

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/errors.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"
#include "tests/storage/fixture.hpp"
#include "tests/storage/site_test_support.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;
using namespace memoryd::storage::test::sites;

namespace {

// A site with versions "v1" .. "v<count>", each with requirements and
// changes of its own.
site_record site_with_versions(soci::session& sql, int count) {
  auto site = new_site(sql);
  std::vector<new_version> batch;
  for (int n = 2; n <= count; ++n) {
    auto v = version_of("<p>v" + std::to_string(n) + "</p>", t1);
    v.has_requirements = true;
    v.requirements_json = "{\"n\":" + std::to_string(n) + "}";
    v.has_changes = true;
    v.changes = "edit " + std::to_string(n);
    batch.push_back(std::move(v));
  }
  site_repository{sql}.add_versions(site.site_id, batch);
  return site;
}

site_fork fork_of(const site_record& source, int64_t up_to = 0) {
  site_fork f;
  f.source_site_id = source.site_id;
  f.site_id = random_uuid();
  f.up_to_version = up_to;
  f.created_at = t2;
  return f;
}

} // namespace

BOOST_AUTO_TEST_SUITE(site_history)

STORAGE_TEST_CASE(a_restored_version_records_its_source) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto site = site_with_versions(*db.sql, 3);
  auto restore = version_of("<p>v1</p>", t2);
  restore.restored_from = 1;
  const auto numbers = repo.add_versions(site.site_id, {restore});
  BOOST_TEST(numbers == std::vector<int64_t>{4});
  auto v4 = repo.version(site.site_id, 4);
  BOOST_TEST_REQUIRE(v4.has_value());
  BOOST_TEST(v4->restored_from == 1);
  BOOST_TEST(v4->code == "<p>v1</p>");
  BOOST_TEST(repo.version(site.site_id, 3)->restored_from == 0);
  auto page = repo.list_versions(site.site_id, 10, 0);
  BOOST_TEST(page.items.front().restored_from == 1);
}

STORAGE_TEST_CASE(the_database_refuses_a_restore_from_a_later_version) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto site = site_with_versions(*db.sql, 2);
  auto restore = version_of("x", t2);
  restore.restored_from = 3;  // would be version 3 itself
  BOOST_CHECK_THROW(repo.add_versions(site.site_id, {restore}),
                    std::exception);
  BOOST_TEST(stored_site(repo, site.site_id).latest_version == 2);
}

STORAGE_TEST_CASE(a_fork_holds_the_history_up_to_its_version) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto source = site_with_versions(*db.sql, 5);
  repo.add_audit(audit_of(source.site_id, 2, 80, t1));
  const auto forked = repo.fork(fork_of(source, 3));
  BOOST_TEST(forked.session_id == source.session_id);
  BOOST_TEST(forked.name == source.name);
  BOOST_TEST(forked.latest_version == 3);
  BOOST_TEST(forked.revision == 1);
  BOOST_TEST(forked.has_forked_from);
  BOOST_TEST(forked.forked_from_site_id == source.site_id);
  BOOST_TEST(forked.forked_from_version == 3);
  BOOST_TEST(forked.created_at == t2);

  auto view = repo.view(forked.site_id, 10);
  BOOST_TEST_REQUIRE(view.has_value());
  BOOST_TEST(numbers_of(view->versions) == (std::vector<int64_t>{3, 2, 1}));
  BOOST_TEST(view->latest.code == "<p>v3</p>");
  BOOST_TEST(view->audits.empty());
  for (int64_t n = 1; n <= 3; ++n) {
    auto mine = repo.version(forked.site_id, n);
    auto theirs = repo.version(source.site_id, n);
    BOOST_TEST(mine->code == theirs->code);
    BOOST_TEST(mine->code_sha256 == theirs->code_sha256);
    BOOST_TEST(mine->has_requirements == theirs->has_requirements);
    BOOST_TEST(mine->requirements_json == theirs->requirements_json);
    BOOST_TEST(mine->changes == theirs->changes);
    BOOST_TEST(mine->created_at == theirs->created_at);
    BOOST_TEST(!mine->has_audit_score);  // audits stay with the source
  }
  // The fork goes on from its own latest, independently of the source.
  BOOST_TEST(repo.add_versions(forked.site_id, {version_of("mine")})
             == std::vector<int64_t>{4});
  BOOST_TEST(stored_site(repo, source.site_id).latest_version == 5);
  BOOST_TEST(repo.version(source.site_id, 4)->code == "<p>v4</p>");
}

STORAGE_TEST_CASE(a_fork_defaults_to_the_latest_and_may_move_and_rename) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto source = site_with_versions(*db.sql, 4);
  const auto other_session = new_session(*db.sql);
  auto f = fork_of(source);
  f.session_id = other_session;
  f.has_name = true;
  f.name = "variant B ✨";
  const auto forked = repo.fork(f);
  BOOST_TEST(forked.latest_version == 4);
  BOOST_TEST(forked.forked_from_version == 4);
  BOOST_TEST(forked.session_id == other_session);
  BOOST_TEST(forked.name == "variant B ✨");
  auto ids = repo.site_ids_of_session(other_session);
  BOOST_TEST(ids == std::vector<std::string>{forked.site_id});
}

STORAGE_TEST_CASE(a_failed_fork_writes_nothing) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto source = site_with_versions(*db.sql, 2);
  BOOST_CHECK_THROW(repo.fork(fork_of(source, 3)), not_found);
  auto unknown_source = fork_of(source);
  unknown_source.source_site_id = random_uuid();
  BOOST_CHECK_THROW(repo.fork(unknown_source), not_found);
  auto unknown_session = fork_of(source);
  unknown_session.session_id = random_uuid();
  BOOST_CHECK_THROW(repo.fork(unknown_session), not_found);
  BOOST_TEST(repo.site_ids_of_session(source.session_id)
             == std::vector<std::string>{source.site_id});
  auto taken = fork_of(source);
  taken.site_id = source.site_id;
  BOOST_CHECK_THROW(repo.fork(taken), conflict);
  BOOST_TEST(stored_site(repo, source.site_id).latest_version == 2);
}

STORAGE_TEST_CASE(deleting_the_source_keeps_the_fork) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto source = site_with_versions(*db.sql, 2);
  const auto other_session = new_session(*db.sql);
  auto f = fork_of(source);
  f.session_id = other_session;
  const auto forked = repo.fork(f);
  BOOST_TEST(session_repository{*db.sql}.remove(source.session_id));
  auto view = repo.view(forked.site_id, 10);
  BOOST_TEST_REQUIRE(view.has_value());
  BOOST_TEST(view->site.forked_from_site_id == source.site_id);
  BOOST_TEST(view->latest.code == "<p>v2</p>");
}

BOOST_AUTO_TEST_SUITE_END()
