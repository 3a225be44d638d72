// archive_repository::write(): all or nothing, whatever row fails.

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/archive_repository.hpp"
#include "storage/errors.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"
#include "tests/storage/archive_test_support.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;
using namespace memoryd::storage::test::archives;

BOOST_AUTO_TEST_SUITE(archive_write_cases)

// "as given": the session's revision too, not only the sites'.
STORAGE_TEST_CASE(write_keeps_the_revisions_given) {
  auto db = fresh_database(backend_name);
  archive_repository repo{*db.sql};
  auto archive = synthetic_archive({});
  archive.session.revision = 7;
  archive.sites[0].site.revision = 9;
  repo.write(archive);
  const auto back = repo.read(archive.session.session_id, true);
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST(back->sites[0].site.revision == 9);
  BOOST_TEST(back->session.revision == 7);
}

STORAGE_TEST_CASE(a_bad_last_row_writes_nothing) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  archive_repository repo{sql};
  check_good_write(repo); // something there already
  auto expected = row_counts(sql);
  // `bad` throws and leaves every table as it was.
  auto refused = [&](const session_archive& bad) {
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
  };
  // The connection still takes a good write afterwards.
  auto good_write = [&] {
    check_good_write(repo);
    expected = plus(expected, rows_of(synthetic_archive({})));
  };

  // (a) A deployment status the database refuses (checked before it does).
  {
    auto bad = synthetic_archive({});
    bad.sites.back().deployments.back().status = "bogus";
    refused(bad);
    BOOST_TEST(!repo.read(bad.session.session_id, true).has_value());
  }
  good_write();

  // (b) Code with U+0000, refused before the insert.
  {
    auto bad = synthetic_archive({});
    auto& last = bad.sites.back();
    last.audits.clear();
    last.deployments.clear();
    last.versions.back().code = std::string{"ok\0no", 5};
    last.versions.back().code_size = 5;
    refused(bad);
  }
  good_write();

  // (c) The same version number twice in the last site: refused by the
  // numbering check once the earlier sites are written.
  {
    auto bad = synthetic_archive({});
    auto& last = bad.sites.back();
    last.audits.clear();
    last.deployments.clear();
    auto twin = last.versions.back();
    twin.code = "another code";
    twin.code_size = static_cast<int64_t>(twin.code.size());
    last.versions.push_back(twin);
    refused(bad);
  }
  good_write();

  // (d) An audit of a version the site does not have.
  {
    auto bad = synthetic_archive({});
    auto& last = bad.sites.back();
    last.deployments.clear();
    auto audit = last.audits.back();
    audit.audit_id = random_uuid();
    audit.version = 3; // versions 1 and 2 only
    last.audits.push_back(audit);
    refused(bad);
  }
  good_write();

  // (e) A deployment of a version the site does not have, and one of
  // version 0.
  {
    auto bad = synthetic_archive({});
    bad.sites.back().deployments.back().version = 99;
    refused(bad);
    bad = synthetic_archive({});
    bad.sites.back().deployments.back().version = 0;
    refused(bad);
  }
  good_write();

  // (f) An audit score out of range (CHECK), and a timestamp that is none.
  {
    auto bad = synthetic_archive({});
    bad.sites.back().deployments.clear();
    bad.sites.back().audits.back().score = 100.5;
    refused(bad);
    bad = synthetic_archive({});
    bad.sites.back().deployments.back().created_at = "yesterday";
    refused(bad);
  }
  good_write();

  // (g) An id that is not a lower-case UUID, and a version number below 1.
  {
    auto bad = synthetic_archive({});
    auto& id = bad.sites.back().deployments.back().deployment_id;
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    refused(bad);
    bad = synthetic_archive({1, 1, 0, 0});
    bad.sites.back().versions.back().version = 0;
    refused(bad);
  }
  good_write();
  BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
}

// Version numbers are 1..n with no gap (site_records.hpp, site_repository.hpp)
// and "every site's latest_version its number of versions": an archive
// whose numbers have a gap cannot be written as it is.
STORAGE_TEST_CASE(version_numbers_with_a_gap_are_refused) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  archive_repository repo{sql};
  for (const std::vector<int64_t>& numbers :
       {std::vector<int64_t>{1, 3}, std::vector<int64_t>{2, 3}}) {
    BOOST_TEST_CONTEXT("versions " << numbers[0] << ", " << numbers[1]) {
      const auto before = row_counts(sql);
      auto bad = synthetic_archive({1, 2, 0, 0});
      auto& s = bad.sites.back();
      for (std::size_t i = 0; i < numbers.size(); ++i)
        s.versions[i].version = numbers[i];
      BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
      BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
      const auto back = repo.read(bad.session.session_id, true);
      if (back && back->sites.size() == 1u)
        BOOST_TEST(back->sites[0].site.latest_version
                   == static_cast<int64_t>(back->sites[0].versions.size()));
    }
  }
}

STORAGE_TEST_CASE(taken_ids_are_a_conflict_and_write_nothing) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  archive_repository repo{sql};
  session_repository sessions{sql};

  // An existing session, at revision 2.
  auto existing = make_session("", at(0));
  existing.state_json = R"({"kept": true})";
  existing.preferences_json = R"({"mine": 1})";
  sessions.create(existing);
  session_update u;
  u.session_id = existing.session_id;
  u.set_state = true;
  u.state_json = R"({"kept": "yes"})";
  u.updated_at = at(60);
  sessions.update(u);
  const auto taken = synthetic_archive({});
  repo.write(taken);
  const auto before = row_counts(sql);

  {
    auto clash = synthetic_archive({});
    clash.session.session_id = existing.session_id;
    clash.session.state_json = R"({"overwritten": true})";
    clash.session.preferences_json = R"({"theirs": 2})";
    for (auto& s : clash.sites)
      s.site.session_id = existing.session_id;
    BOOST_CHECK_THROW(repo.write(clash), conflict);
    BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
    const auto kept = sessions.find(existing.session_id);
    BOOST_TEST_REQUIRE(kept.has_value());
    BOOST_TEST(kept->revision == 2);
    BOOST_TEST(same_json(kept->state_json, R"({"kept": "yes"})"));
    BOOST_TEST(same_json(kept->preferences_json, R"({"mine": 1})"));
    BOOST_TEST(kept->updated_at == at(60));
    BOOST_TEST(count_where(sql, "sites", "session_id", existing.session_id)
               == 0);
  }

  // A site id of another session, in the last site.
  {
    auto clash = synthetic_archive({});
    clash.sites.back().site.site_id = taken.sites.front().site.site_id;
    BOOST_CHECK_THROW(repo.write(clash), conflict);
    BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
    BOOST_TEST(!sessions.find(clash.session.session_id).has_value());
    const auto other = repo.read(taken.session.session_id, true);
    BOOST_TEST_REQUIRE(other.has_value());
    check_archive(*other, taken, true);
  }

  // An audit id and a deployment id that are taken.
  {
    auto clash = synthetic_archive({});
    clash.sites.back().audits.back().audit_id =
      taken.sites.front().audits.front().audit_id;
    BOOST_CHECK_THROW(repo.write(clash), conflict);
    BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
    clash = synthetic_archive({});
    clash.sites.back().deployments.back().deployment_id =
      taken.sites.front().deployments.front().deployment_id;
    BOOST_CHECK_THROW(repo.write(clash), conflict);
    BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
  }

  check_good_write(repo);
}

// A deadline already past when all rows are in: rolled back, not committed.
STORAGE_TEST_CASE(a_passed_deadline_writes_nothing) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  archive_repository repo{sql};
  const auto before = row_counts(sql);
  const auto late = synthetic_archive({});
  BOOST_CHECK_THROW(
    repo.write(late, std::chrono::system_clock::now() - std::chrono::seconds{1}),
    deadline_passed);
  BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
  BOOST_TEST(!repo.read(late.session.session_id, true).has_value());
  // A deadline still ahead is no obstacle (and a NULL user_id stays NULL).
  auto in_time = synthetic_archive({});
  in_time.session.has_user_id = false;
  in_time.session.user_id.clear();
  repo.write(in_time,
             std::chrono::system_clock::now() + std::chrono::minutes{10});
  const auto back = repo.read(in_time.session.session_id, true);
  BOOST_TEST_REQUIRE(back.has_value());
  check_archive(*back, in_time, true);
}

STORAGE_TEST_CASE(a_site_without_versions_is_refused) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  archive_repository repo{sql};
  const auto before = row_counts(sql);

  for (std::size_t which : {std::size_t{0}, std::size_t{1}}) {
    BOOST_TEST_CONTEXT("empty site #" << which) {
      auto bad = synthetic_archive({});
      auto& s = bad.sites[which];
      s.versions.clear();
      s.audits.clear();
      s.deployments.clear();
      s.site.latest_version = 0;
      BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
      BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
      BOOST_TEST(!repo.read(bad.session.session_id, false).has_value());
    }
  }
  check_good_write(repo);
}

BOOST_AUTO_TEST_SUITE_END()
