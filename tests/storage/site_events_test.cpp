// Audits, deployments, deletion and concurrent writers of the site
// repository, on both backends.

#include <algorithm>
#include <barrier>
#include <chrono>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/errors.hpp"
#include "storage/retry.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"
#include "tests/storage/fixture.hpp"
#include "tests/storage/site_test_support.hpp"

using namespace std::chrono_literals;
using namespace memoryd::storage;
using namespace memoryd::storage::test;
using namespace memoryd::storage::test::sites;

BOOST_AUTO_TEST_SUITE(site_repository_events)

STORAGE_TEST_CASE(audits_score_their_version_and_bump_the_revision) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto site = new_site(*db.sql);
  repo.add_versions(site.site_id, {version_of("v2")});

  auto a = audit_of(site.site_id, 1, 97.25, t1);
  a.has_results = true;
  a.results_json = R"({"lighthouse": {"a11y": 0.1, "notes": ["ok ✓"]}})";
  const auto stored = repo.add_audit(a);
  BOOST_TEST(stored.audit_id == a.audit_id);
  BOOST_TEST(stored.created_at == t1);
  auto v = repo.view(site.site_id, 10);
  BOOST_TEST(v->site.revision == 3);
  BOOST_TEST(v->site.updated_at == t1);
  BOOST_TEST(v->versions[1].version == 1);
  BOOST_TEST(v->versions[1].has_audit_score);
  BOOST_TEST(v->versions[1].audit_score == 97.25);
  BOOST_TEST(!v->versions[0].has_audit_score);
  BOOST_TEST_REQUIRE(v->audits.size() == 1u);
  BOOST_TEST(v->audits[0].audit_id == a.audit_id);
  BOOST_TEST(v->audits[0].site_id == site.site_id);
  BOOST_TEST(v->audits[0].version == 1);
  BOOST_TEST(v->audits[0].score == 97.25);
  BOOST_TEST(v->audits[0].has_results);
  BOOST_TEST(same_json(v->audits[0].results_json, a.results_json));

  // A later audit's score replaces the earlier one; scores keep their bits.
  repo.add_audit(audit_of(site.site_id, 1, 0.1, t2));
  repo.add_audit(audit_of(site.site_id, 2, 100, t2));
  v = repo.view(site.site_id, 10);
  BOOST_TEST(v->site.revision == 5);
  BOOST_TEST(repo.version(site.site_id, 1)->audit_score == 0.1);
  BOOST_TEST(v->latest.audit_score == 100.0);
  BOOST_TEST_REQUIRE(v->audits.size() == 3u);
  BOOST_TEST(!v->audits[0].has_results);
  BOOST_TEST(v->audits[2].audit_id == a.audit_id); // the oldest

  auto bad = audit_of(site.site_id, 1, 100.5);
  BOOST_CHECK_THROW(repo.add_audit(bad), std::invalid_argument);
  bad.score = std::numeric_limits<double>::quiet_NaN();
  BOOST_CHECK_THROW(repo.add_audit(bad), std::invalid_argument);
  bad = audit_of(site.site_id, 1, 10);
  bad.audit_id = a.audit_id;
  BOOST_CHECK_THROW(repo.add_audit(bad), conflict);
  BOOST_TEST(repo.version(site.site_id, 1)->audit_score == 0.1);
  BOOST_TEST(stored_site(repo, site.site_id).revision == 5);
}

STORAGE_TEST_CASE(deployments_round_trip_and_bump_the_revision) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto site = new_site(*db.sql);
  auto d = deployment_of(site.site_id, 1, t1);
  d.status = "succeeded";
  d.has_url = true;
  d.url = "https://example.com/zoë";
  d.has_provider = true;
  d.provider = "netlify";
  d.has_details = true;
  d.details_json = R"({"build": 42, "log": ["done"]})";
  const auto stored = repo.add_deployment(d);
  BOOST_TEST(stored.deployment_id == d.deployment_id);
  repo.add_deployment(deployment_of(site.site_id, 1, t2));

  const auto v = repo.view(site.site_id, 10);
  BOOST_TEST(v->site.revision == 3);
  BOOST_TEST(v->site.updated_at == t2);
  BOOST_TEST_REQUIRE(v->deployments.size() == 2u);
  const auto& bare = v->deployments[0];
  BOOST_TEST(bare.status == "pending");
  BOOST_TEST(!bare.has_url);
  BOOST_TEST(!bare.has_provider);
  BOOST_TEST(!bare.has_details);
  const auto& full = v->deployments[1];
  BOOST_TEST(full.deployment_id == d.deployment_id);
  BOOST_TEST(full.site_id == site.site_id);
  BOOST_TEST(full.version == 1);
  BOOST_TEST(full.status == "succeeded");
  BOOST_TEST(full.url == d.url);
  BOOST_TEST(full.provider == "netlify");
  BOOST_TEST(same_json(full.details_json, d.details_json));
  BOOST_TEST(full.created_at == t1);

  auto bad = deployment_of(site.site_id, 1);
  bad.status = "done";
  BOOST_CHECK_THROW(repo.add_deployment(bad), std::invalid_argument);
  bad = deployment_of(site.site_id, 1);
  bad.deployment_id = d.deployment_id;
  BOOST_CHECK_THROW(repo.add_deployment(bad), conflict);
  BOOST_TEST(stored_site(repo, site.site_id).revision == 3);
}

STORAGE_TEST_CASE(audit_or_deployment_of_a_missing_version_writes_nothing) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto site = new_site(sql);
  for (int64_t n : {2, 0, -1}) {
    BOOST_TEST_CONTEXT("version " << n) {
      try {
        repo.add_audit(audit_of(site.site_id, n, 50));
        BOOST_FAIL("an audit of a missing version was stored");
      } catch (const not_found& e) {
        BOOST_TEST(std::string{e.what()}.find("version " + std::to_string(n)) !=
                   std::string::npos);
      }
      BOOST_CHECK_THROW(repo.add_deployment(deployment_of(site.site_id, n)),
                        not_found);
    }
  }
  BOOST_CHECK_THROW(repo.add_audit(audit_of(random_uuid(), 1, 50)), not_found);
  BOOST_CHECK_THROW(repo.add_deployment(deployment_of("nope", 1)), not_found);

  const auto s = stored_site(repo, site.site_id);
  BOOST_TEST(s.revision == 1);
  BOOST_TEST(s.updated_at == site.updated_at);
  BOOST_TEST(rows_below_site(sql, site.site_id) == 1); // version 1 only
  BOOST_TEST(!repo.version(site.site_id, 1)->has_audit_score);
}

STORAGE_TEST_CASE(deleting_the_session_removes_its_sites) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto doomed = new_session(sql);
  const auto kept = new_session(sql);
  std::set<std::string> doomed_sites;
  for (int i = 0; i < 3; ++i) {
    const auto s = repo.create(draft_site(doomed), version_of("x"));
    doomed_sites.insert(s.site_id);
    repo.add_versions(s.site_id, {version_of("y")});
    repo.add_audit(audit_of(s.site_id, 2, 80));
    repo.add_deployment(deployment_of(s.site_id, 1));
  }
  const auto kept_site = repo.create(draft_site(kept), version_of("z"));
  repo.add_audit(audit_of(kept_site.site_id, 1, 80));

  const auto ids = repo.site_ids_of_session(doomed);
  BOOST_TEST((std::set<std::string>{ids.begin(), ids.end()} == doomed_sites));
  BOOST_TEST(ids.size() == 3u);

  std::vector<std::string> deleted;
  BOOST_TEST(session_repository{sql}.remove(doomed, "", deleted));
  BOOST_TEST((std::set<std::string>{deleted.begin(), deleted.end()} == doomed_sites));
  BOOST_TEST(!session_repository{sql}.remove(doomed, "", deleted));
  BOOST_TEST(deleted.empty());
  for (const auto& id : doomed_sites) {
    BOOST_TEST(count_where(sql, "sites", "site_id", id) == 0);
    BOOST_TEST(rows_below_site(sql, id) == 0);
    BOOST_TEST(!repo.view(id, 10).has_value());
  }
  BOOST_TEST(repo.site_ids_of_session(doomed).empty());
  BOOST_TEST(repo.site_ids_of_session("nope").empty());
  BOOST_CHECK_THROW(repo.list_sites(doomed, 10, false, "", ""), not_found);
  BOOST_TEST(rows_below_site(sql, kept_site.site_id) == 2);
  BOOST_TEST(repo.site_ids_of_session(kept) ==
               std::vector<std::string>{kept_site.site_id},
             boost::test_tools::per_element());
}

// Writers on their own connections (as several daemons would be) append to
// one site at once: every number from 1 up is taken exactly once, and holds
// the code of the writer it was returned to.
STORAGE_TEST_CASE(concurrent_writers_get_gapless_numbers) {
  auto db = fresh_database(backend_name);
  const bool pg = std::string_view{backend_name} == "postgresql";
  const int writers = pg ? 8 : 4;
  const int per_writer = pg ? 25 : 10;
  const auto site = new_site(*db.sql);
  auto code_of = [](int writer, int i) {
    return "writer " + std::to_string(writer) + " item " + std::to_string(i);
  };

  std::vector<std::vector<int64_t>> numbers(writers);
  std::vector<std::string> errors(writers);
  std::vector<int> attempts(writers, 0);
  std::barrier start{writers};
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < writers; ++w)
      threads.emplace_back([&, w, sql = db.connect()] {
        start.arrive_and_wait();
        try {
          for (int i = 0; i < per_writer; ++i) {
            const std::vector batch{version_of(code_of(w, i))};
            std::vector<int64_t> got;
            with_retry(*sql, {10, 5ms, 200ms}, [&] {
              ++attempts[w];
              got = site_repository{*sql}.add_versions(site.site_id, batch);
            });
            numbers[w].push_back(got.at(0));
          }
        } catch (const std::exception& e) {
          errors[w] = e.what();
        }
      });
  }
  for (int w = 0; w < writers; ++w)
    BOOST_TEST(errors[w].empty(), "writer " << w << ": " << errors[w]);
  BOOST_TEST_MESSAGE(backend_name << ": "
                                  << std::reduce(attempts.begin(),
                                                 attempts.end())
                                       - writers * per_writer
                                  << " retries");

  site_repository repo{*db.sql};
  std::vector<int64_t> all{1};
  for (int w = 0; w < writers; ++w) {
    BOOST_TEST_REQUIRE(numbers[w].size() ==
                       static_cast<std::size_t>(per_writer));
    // Each writer's own numbers rise: it waited for its previous commit.
    BOOST_TEST(std::ranges::is_sorted(numbers[w]));
    for (int i = 0; i < per_writer; ++i)
      BOOST_TEST(repo.version(site.site_id, numbers[w][i])->code ==
                 code_of(w, i));
    all.insert(all.end(), numbers[w].begin(), numbers[w].end());
  }
  std::ranges::sort(all);
  const auto total = 1 + writers * per_writer;
  BOOST_TEST(all == range(1, total), boost::test_tools::per_element());
  const auto s = stored_site(repo, site.site_id);
  BOOST_TEST(s.latest_version == total);
  BOOST_TEST(s.revision == total);
  BOOST_TEST(numbers_of(repo.list_versions(site.site_id, 1000, 0).items) ==
               range(total, 1, -1),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
