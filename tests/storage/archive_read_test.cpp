// archive_repository::read(): whole sessions in one snapshot, in the
// documented order, complete across fetch batches; and written back under
// new ids.

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

BOOST_AUTO_TEST_SUITE(archive_read_cases)

STORAGE_TEST_CASE(read_of_unknown_sessions_and_without_sites) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  archive_repository repo{sql};

  BOOST_TEST(!repo.read(random_uuid(), true).has_value());
  BOOST_TEST(!repo.read(random_uuid(), false).has_value());
  BOOST_TEST(!repo.read("not-a-uuid", true).has_value());
  BOOST_TEST(!repo.read("", false).has_value());
  BOOST_TEST(!repo.read(random_uuid().substr(1) + "X", true).has_value());

  // A session without sites: with sites asked for, none.
  auto lone = make_session("t", at(5));
  lone.state_json = R"({"a": [1, 2]})";
  session_repository{sql}.create(lone);
  auto empty = repo.read(lone.session_id, true);
  BOOST_TEST_REQUIRE(empty.has_value());
  BOOST_TEST(empty->session.session_id == lone.session_id);
  BOOST_TEST(same_json(empty->session.state_json, lone.state_json));
  BOOST_TEST(empty->has_sites);
  BOOST_TEST(empty->sites.empty());

  // A session with a site (no audits, no deployments): without sites, the
  // session alone; with them, the site.
  const auto site = new_site(sql);
  const auto only = repo.read(site.session_id, false);
  BOOST_TEST_REQUIRE(only.has_value());
  BOOST_TEST(only->session.session_id == site.session_id);
  BOOST_TEST(only->session.revision == 1);
  BOOST_TEST(only->session.created_at == t0);
  BOOST_TEST(!only->has_sites);
  BOOST_TEST(only->sites.empty());

  const auto full = repo.read(site.session_id, true);
  BOOST_TEST_REQUIRE(full.has_value());
  BOOST_TEST(full->has_sites);
  BOOST_TEST_REQUIRE(full->sites.size() == 1u);
  BOOST_TEST(full->sites[0].site.site_id == site.site_id);
  BOOST_TEST_REQUIRE(full->sites[0].versions.size() == 1u);
  BOOST_TEST(full->sites[0].versions[0].code == "<p>v1</p>");
  BOOST_TEST(full->sites[0].audits.empty());
  BOOST_TEST(full->sites[0].deployments.empty());

  // The reads left no transaction open: a write follows.
  BOOST_CHECK_NO_THROW(check_good_write(repo));
}

STORAGE_TEST_CASE(round_trip_under_new_ids) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  session_repository sessions{sql};
  site_repository sites{sql};
  archive_repository repo{sql};

  // Another session, which neither read nor write may touch.
  const auto bystander = new_site(sql);

  auto session = make_session("tenant-ü", at(0));
  session.has_user_id = true;
  session.user_id = "user ✓ 7";
  session.state_json = R"({"step": 1})";
  session.preferences_json = R"({"theme": "light"})";
  sessions.create(session);
  session_update u;
  u.session_id = session.session_id;
  u.tenant = session.tenant;
  u.set_state = true;
  u.state_json =
    R"({"step": 3, "answers": {"colour": "grün"}, "list": [1, 2.5, null]})";
  u.set_preferences = true;
  u.preferences_json = R"({"theme": "dark", "lang": "de"})";
  u.updated_at = at(50);
  const auto updated = sessions.update(u);
  BOOST_TEST(updated.revision == 2);

  std::map<std::string, std::vector<std::string>> codes;
  const auto big = big_code();

  // A: a type, three versions, audits on two of them, two deployments.
  auto a = draft_site(session.session_id, at(100));
  a.name = "Café ☕ landing";
  a.has_site_type = true;
  a.site_type = "landing";
  auto a1 = version_of(big, at(110));
  a1.has_requirements = true;
  a1.requirements_json = R"({"pages": ["home", "über"], "dark": true})";
  a1.has_changes = true;
  a1.changes = "first draft ✍";
  sites.create(a, a1);
  auto a3 = version_of(big + "🚀 last", at(130));
  a3.has_requirements = true;
  a3.requirements_json = R"([1, "zwei", {"drei": null}])";
  a3.has_changes = true;
  a3.changes = "v3 ✓";
  sites.add_versions(a.site_id, {version_of("<p>plain</p>", at(120))});
  sites.add_versions(a.site_id, {a3});
  codes[a.site_id] = {big, "<p>plain</p>", big + "🚀 last"};
  auto audit_a1 = audit_of(a.site_id, 1, 42.5, at(140));
  audit_a1.has_results = true;
  audit_a1.results_json = R"({"lighthouse": 42.5, "notes": ["ok", "ü"]})";
  auto audit_a2 = audit_of(a.site_id, 3, 99.25, at(150));
  auto audit_a3 = audit_of(a.site_id, 1, 12.75, at(160));
  audit_a3.has_results = true;
  audit_a3.results_json = R"({"again": true})";
  const std::vector<audit_record> audits_a{sites.add_audit(audit_a1),
                                           sites.add_audit(audit_a2),
                                           sites.add_audit(audit_a3)};
  auto deploy_a1 = deployment_of(a.site_id, 2, at(170));
  deploy_a1.status = "succeeded";
  deploy_a1.has_url = true;
  deploy_a1.url = "https://example.com/über";
  deploy_a1.has_provider = true;
  deploy_a1.provider = "netlify";
  deploy_a1.has_details = true;
  deploy_a1.details_json = R"({"build": 17, "log": ["a", "b"]})";
  const std::vector<deployment_record> deployments_a{
    sites.add_deployment(deploy_a1),
    sites.add_deployment(deployment_of(a.site_id, 3, at(180)))};

  // B: created at the same moment as A, no type, nothing but versions.
  auto b = draft_site(session.session_id, at(100));
  b.name = "Zweite Seite";
  sites.create(b, version_of("", at(100)));
  sites.add_versions(b.site_id, {version_of("x\r\ny\t\"'\\", at(200))});
  codes[b.site_id] = {"", "x\r\ny\t\"'\\"};

  // C: created last, but with the oldest created_at; two audits and two
  // deployments of the same moment.
  auto c = draft_site(session.session_id, at(90));
  c.name = "first by time";
  sites.create(c, version_of(big, at(90)));
  codes[c.site_id] = {big};
  std::vector<audit_record> audits_c{
    sites.add_audit(audit_of(c.site_id, 1, 50, at(300))),
    sites.add_audit(audit_of(c.site_id, 1, 60, at(300)))};
  auto deploy_c = deployment_of(c.site_id, 1, at(300));
  deploy_c.status = "failed";
  std::vector<deployment_record> deployments_c{
    sites.add_deployment(deploy_c),
    sites.add_deployment(deployment_of(c.site_id, 1, at(300)))};
  std::sort(audits_c.begin(), audits_c.end(),
            [](const auto& x, const auto& y) { return x.audit_id < y.audit_id; });
  std::sort(deployments_c.begin(), deployments_c.end(),
            [](const auto& x, const auto& y) {
              return x.deployment_id < y.deployment_id;
            });

  // -- read ------------------------------------------------------------------
  const auto original = repo.read(session.session_id, true);
  BOOST_TEST_REQUIRE(original.has_value());
  check_session(original->session, updated, true);
  BOOST_TEST(original->session.revision == 2);
  BOOST_TEST(original->session.updated_at == at(50));
  BOOST_TEST(original->has_sites);

  // Oldest first by created_at, then by id.
  std::vector<std::string> expected_order{c.site_id, std::min(a.site_id, b.site_id),
                                          std::max(a.site_id, b.site_id)};
  BOOST_TEST(ids_of(original->sites, site_id_of) == expected_order,
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(original->sites.size() == 3u);

  for (const auto& s : original->sites) {
    const auto& id = s.site.site_id;
    BOOST_TEST_CONTEXT("site " << s.site.name) {
      // The site as site_repository shows it.
      const auto view = sites.view(id, site_repository::max_page_size,
                                   site_repository::max_page_size,
                                   site_repository::max_page_size);
      BOOST_TEST_REQUIRE(view.has_value());
      check_site(s.site, view->site, true);
      BOOST_TEST(s.site.session_id == session.session_id);
      BOOST_TEST(s.site.latest_version
                 == static_cast<int64_t>(codes[id].size()));

      // Versions 1..n, code byte for byte.
      BOOST_TEST(numbers_of(s.versions) == range(1, s.site.latest_version),
                 boost::test_tools::per_element());
      BOOST_TEST_REQUIRE(s.versions.size() == codes[id].size());
      for (std::size_t i = 0; i < s.versions.size(); ++i) {
        BOOST_TEST_CONTEXT("version " << i + 1) {
          const auto& v = s.versions[i];
          BOOST_TEST(v.site_id == id);
          BOOST_TEST(v.has_code);
          BOOST_TEST(v.code.size() == codes[id][i].size());
          BOOST_TEST((v.code == codes[id][i]));
          BOOST_TEST(v.code_size == static_cast<int64_t>(codes[id][i].size()));
          // The metadata as site_repository lists it (newest first).
          check_version(v, view->versions[view->versions.size() - 1 - i],
                        true);
          const auto stored = sites.version(id, v.version);
          BOOST_TEST_REQUIRE(stored.has_value());
          check_version(v, *stored, true);
        }
      }
    }
  }

  const auto& got_a = *std::find_if(original->sites.begin(),
                                    original->sites.end(),
                                    [&](const auto& s) {
                                      return s.site.site_id == a.site_id;
                                    });
  const auto& got_b = *std::find_if(original->sites.begin(),
                                    original->sites.end(),
                                    [&](const auto& s) {
                                      return s.site.site_id == b.site_id;
                                    });
  const auto& got_c = original->sites.front();

  BOOST_TEST(got_a.site.has_site_type);
  BOOST_TEST(got_a.site.site_type == "landing");
  BOOST_TEST(got_a.site.name == "Café ☕ landing");
  BOOST_TEST(got_a.site.revision == 8); // 3 versions, 3 audits, 2 deployments
  BOOST_TEST(got_a.site.updated_at == at(180));
  BOOST_TEST(!got_b.site.has_site_type);
  BOOST_TEST(got_b.site.revision == 2);
  BOOST_TEST(got_b.site.updated_at == at(200));

  // audit_score: the latest audit's.
  BOOST_TEST(got_a.versions[0].has_audit_score);
  BOOST_TEST(got_a.versions[0].audit_score == 12.75);
  BOOST_TEST(!got_a.versions[1].has_audit_score);
  BOOST_TEST(got_a.versions[2].has_audit_score);
  BOOST_TEST(got_a.versions[2].audit_score == 99.25);
  BOOST_TEST(!got_b.versions[0].has_audit_score);
  BOOST_TEST(got_c.versions[0].has_audit_score);
  BOOST_TEST(got_c.versions[0].audit_score == 60);
  BOOST_TEST(got_a.versions[0].has_requirements);
  BOOST_TEST(same_json(got_a.versions[0].requirements_json,
                       a1.requirements_json));
  BOOST_TEST(!got_a.versions[1].has_requirements);
  BOOST_TEST(!got_a.versions[1].has_changes);
  BOOST_TEST(same_json(got_a.versions[2].requirements_json,
                       a3.requirements_json));
  BOOST_TEST(got_a.versions[2].changes == "v3 ✓");
  BOOST_TEST(got_a.versions[1].created_at == at(120));

  // Audits and deployments oldest first (ties by id), as stored.
  BOOST_TEST_REQUIRE(got_a.audits.size() == 3u);
  BOOST_TEST_REQUIRE(got_c.audits.size() == 2u);
  for (std::size_t i = 0; i < 3; ++i)
    check_audit(got_a.audits[i], audits_a[i], true);
  for (std::size_t i = 0; i < 2; ++i)
    check_audit(got_c.audits[i], audits_c[i], true);
  BOOST_TEST(ids_of(got_c.audits, audit_id_of)
               == ids_of(audits_c, audit_id_of),
             boost::test_tools::per_element());
  BOOST_TEST(ids_of(got_c.deployments, deployment_id_of)
               == ids_of(deployments_c, deployment_id_of),
             boost::test_tools::per_element());
  BOOST_TEST(got_a.audits[1].has_results == false);
  BOOST_TEST(got_b.audits.empty());
  BOOST_TEST_REQUIRE(got_a.deployments.size() == 2u);
  BOOST_TEST_REQUIRE(got_c.deployments.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    check_deployment(got_a.deployments[i], deployments_a[i], true);
    check_deployment(got_c.deployments[i], deployments_c[i], true);
  }
  BOOST_TEST(got_a.deployments[0].url == "https://example.com/über");
  BOOST_TEST(!got_a.deployments[1].has_url);
  BOOST_TEST(!got_a.deployments[1].has_provider);
  BOOST_TEST(!got_a.deployments[1].has_details);
  BOOST_TEST(got_b.deployments.empty());

  // -- write under new ids ---------------------------------------------------
  const auto renamed = with_new_ids(*original);
  const auto before = row_counts(sql);
  repo.write(renamed);
  BOOST_TEST(row_counts(sql) == plus(before, {1, 1, 3, 6, 5, 4}),
             boost::test_tools::per_element());

  const auto copy = repo.read(renamed.session.session_id, true);
  BOOST_TEST_REQUIRE(copy.has_value());
  // As the original, but for the ids ...
  check_archive(*copy, *original, false);
  // ... which are the new ones.
  check_archive(*copy, renamed, true);

  // The original is as it was.
  const auto again = repo.read(session.session_id, true);
  BOOST_TEST_REQUIRE(again.has_value());
  check_archive(*again, *original, true);
  BOOST_TEST(count_where(sql, "sites", "session_id", session.session_id) == 3);
  for (const auto& s : original->sites)
    BOOST_TEST(rows_below_site(sql, s.site.site_id)
               == static_cast<long long>(s.versions.size() + s.audits.size()
                                         + s.deployments.size()));
  BOOST_TEST(rows_below_site(sql, bystander.site_id) == 1);
  BOOST_TEST(count_where(sql, "sites", "session_id", bystander.session_id)
             == 1);
}

// More rows than one batch of the fetch loop (64 versions, 256 other rows),
// exactly as many, one more, and none at all.
STORAGE_TEST_CASE(many_rows_read_back_complete) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  archive_repository repo{sql};

  const std::vector<shape> shapes{
    {30, 10, 10, 10}, // 300 versions, 300 audits, 300 deployments
    {1, 64, 256, 256},
    {1, 65, 257, 0},
    {2, 64, 128, 128},
    {256, 1, 1, 0},
    {257, 1, 0, 1},
  };
  std::vector<session_archive> written;
  for (const auto& n : shapes) {
    written.push_back(synthetic_archive(n));
    repo.write(written.back());
  }
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const auto& n = shapes[i];
    const auto& want = written[i];
    BOOST_TEST_CONTEXT("shape " << n.sites << " sites x " << n.versions
                                << " versions, " << n.audits << " audits, "
                                << n.deployments << " deployments") {
      const auto got = repo.read(want.session.session_id, true);
      BOOST_TEST_REQUIRE(got.has_value());
      BOOST_TEST_REQUIRE(got->sites.size() == n.sites);
      std::size_t versions = 0, audits = 0, deployments = 0;
      std::set<std::pair<std::string, int64_t>> seen_versions;
      std::set<std::string> seen_audits, seen_deployments;
      for (const auto& s : got->sites) {
        versions += s.versions.size();
        audits += s.audits.size();
        deployments += s.deployments.size();
        for (const auto& v : s.versions) {
          seen_versions.emplace(v.site_id, v.version);
          BOOST_TEST(v.site_id == s.site.site_id);
        }
        for (const auto& a : s.audits) {
          seen_audits.insert(a.audit_id);
          BOOST_TEST(a.site_id == s.site.site_id);
        }
        for (const auto& d : s.deployments) {
          seen_deployments.insert(d.deployment_id);
          BOOST_TEST(d.site_id == s.site.site_id);
        }
      }
      BOOST_TEST(versions == n.sites * n.versions);
      BOOST_TEST(seen_versions.size() == n.sites * n.versions);
      BOOST_TEST(audits == n.sites * n.audits);
      BOOST_TEST(seen_audits.size() == n.sites * n.audits);
      BOOST_TEST(deployments == n.sites * n.deployments);
      BOOST_TEST(seen_deployments.size() == n.sites * n.deployments);
      check_archive(*got, want, true);
    }
  }
  long long total_versions = -1;
  sql << "SELECT count(*) FROM site_versions", soci::into(total_versions);
  BOOST_TEST(total_versions == 300 + 64 + 65 + 128 + 256 + 257);
}

BOOST_AUTO_TEST_SUITE_END()
