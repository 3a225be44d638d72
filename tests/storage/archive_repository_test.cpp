#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/archive_repository.hpp"
#include "storage/errors.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"
#include "tests/storage/fixture.hpp"
#include "tests/storage/site_test_support.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;
using namespace memoryd::storage::test::sites;

namespace {

// -- helpers -----------------------------------------------------------------

// 2026-11-24T02:00:00 plus `second` seconds, with microseconds that differ
// from one second to the next (second < 79200).
std::string at(int second) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "2026-11-24T%02d:%02d:%02d.%06dZ",
                2 + second / 3600, (second / 60) % 60, second % 60,
                (second * 7919 + 1) % 1000000);
  return buf;
}

// Every table an archive writes to, in the order of row_counts().
constexpr std::array<const char*, 6> archive_tables{
  "sessions", "user_preferences", "sites", "site_versions", "audits",
  "deployments"};

std::vector<long long> row_counts(soci::session& sql) {
  std::vector<long long> counts;
  for (const char* table : archive_tables) {
    long long n = -1;
    sql << "SELECT count(*) FROM " << table, soci::into(n);
    counts.push_back(n);
  }
  return counts;
}

// The rows of `a` in each table of archive_tables.
std::vector<long long> rows_of(const session_archive& a) {
  std::vector<long long> n{1, 1, static_cast<long long>(a.sites.size()), 0, 0,
                           0};
  for (const auto& s : a.sites) {
    n[3] += static_cast<long long>(s.versions.size());
    n[4] += static_cast<long long>(s.audits.size());
    n[5] += static_cast<long long>(s.deployments.size());
  }
  return n;
}

std::vector<long long> plus(std::vector<long long> a,
                            const std::vector<long long>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    a[i] += b[i];
  return a;
}

// `n` new ids in ascending order: given in the order of the rows they
// replace, they keep that order also where a timestamp ties.
std::vector<std::string> sorted_uuids(std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i)
    ids.push_back(random_uuid());
  std::sort(ids.begin(), ids.end());
  return ids;
}

// `a` with every id new (session, sites, audits, deployments); version
// numbers, timestamps and all else as they are.
session_archive with_new_ids(session_archive a) {
  a.session.session_id = random_uuid();
  const auto site_ids = sorted_uuids(a.sites.size());
  for (std::size_t i = 0; i < a.sites.size(); ++i) {
    auto& s = a.sites[i];
    s.site.site_id = site_ids[i];
    s.site.session_id = a.session.session_id;
    for (auto& v : s.versions)
      v.site_id = site_ids[i];
    const auto audit_ids = sorted_uuids(s.audits.size());
    for (std::size_t k = 0; k < s.audits.size(); ++k) {
      s.audits[k].audit_id = audit_ids[k];
      s.audits[k].site_id = site_ids[i];
    }
    const auto deployment_ids = sorted_uuids(s.deployments.size());
    for (std::size_t k = 0; k < s.deployments.size(); ++k) {
      s.deployments[k].deployment_id = deployment_ids[k];
      s.deployments[k].site_id = site_ids[i];
    }
  }
  return a;
}

template <class Records>
std::vector<std::string> ids_of(const Records& items,
                                std::string (*id)(const typename Records::value_type&)) {
  std::vector<std::string> out;
  for (const auto& r : items)
    out.push_back(id(r));
  return out;
}

std::string site_id_of(const site_archive& s) {
  return s.site.site_id;
}
std::string audit_id_of(const audit_record& a) {
  return a.audit_id;
}
std::string deployment_id_of(const deployment_record& d) {
  return d.deployment_id;
}

// -- field-by-field comparison -----------------------------------------------

void check_session(const session_record& got, const session_record& want,
                   bool same_ids) {
  if (same_ids)
    BOOST_TEST(got.session_id == want.session_id);
  BOOST_TEST(got.tenant == want.tenant);
  BOOST_TEST(got.has_user_id == want.has_user_id);
  BOOST_TEST(got.user_id == want.user_id);
  BOOST_TEST(same_json(got.state_json, want.state_json));
  BOOST_TEST(same_json(got.preferences_json, want.preferences_json));
  BOOST_TEST(got.revision == want.revision);
  BOOST_TEST(got.created_at == want.created_at);
  BOOST_TEST(got.updated_at == want.updated_at);
}

void check_site(const site_record& got, const site_record& want,
                bool same_ids) {
  if (same_ids) {
    BOOST_TEST(got.site_id == want.site_id);
    BOOST_TEST(got.session_id == want.session_id);
  }
  BOOST_TEST(got.name == want.name);
  BOOST_TEST(got.has_site_type == want.has_site_type);
  BOOST_TEST(got.site_type == want.site_type);
  BOOST_TEST(got.latest_version == want.latest_version);
  BOOST_TEST(got.revision == want.revision);
  BOOST_TEST(got.created_at == want.created_at);
  BOOST_TEST(got.updated_at == want.updated_at);
}

// `want` may lack the code (a metadata read): then only the rest is
// compared.
void check_version(const version_record& got, const version_record& want,
                   bool same_ids) {
  if (same_ids)
    BOOST_TEST(got.site_id == want.site_id);
  BOOST_TEST(got.version == want.version);
  BOOST_TEST(got.has_code);
  if (want.has_code) {
    BOOST_TEST(got.code.size() == want.code.size());
    BOOST_TEST((got.code == want.code)); // not printed: up to MBs
  }
  BOOST_TEST(got.code_size == want.code_size);
  BOOST_TEST(got.code_sha256 == want.code_sha256);
  BOOST_TEST(got.has_requirements == want.has_requirements);
  if (got.has_requirements && want.has_requirements)
    BOOST_TEST(same_json(got.requirements_json, want.requirements_json));
  BOOST_TEST(got.has_changes == want.has_changes);
  BOOST_TEST(got.changes == want.changes);
  BOOST_TEST(got.has_audit_score == want.has_audit_score);
  BOOST_TEST(got.audit_score == want.audit_score);
  BOOST_TEST(got.created_at == want.created_at);
}

void check_audit(const audit_record& got, const audit_record& want,
                 bool same_ids) {
  if (same_ids) {
    BOOST_TEST(got.audit_id == want.audit_id);
    BOOST_TEST(got.site_id == want.site_id);
  }
  BOOST_TEST(got.version == want.version);
  BOOST_TEST(got.score == want.score);
  BOOST_TEST(got.has_results == want.has_results);
  if (got.has_results && want.has_results)
    BOOST_TEST(same_json(got.results_json, want.results_json));
  BOOST_TEST(got.created_at == want.created_at);
}

void check_deployment(const deployment_record& got,
                      const deployment_record& want, bool same_ids) {
  if (same_ids) {
    BOOST_TEST(got.deployment_id == want.deployment_id);
    BOOST_TEST(got.site_id == want.site_id);
  }
  BOOST_TEST(got.version == want.version);
  BOOST_TEST(got.status == want.status);
  BOOST_TEST(got.has_url == want.has_url);
  BOOST_TEST(got.url == want.url);
  BOOST_TEST(got.has_provider == want.has_provider);
  BOOST_TEST(got.provider == want.provider);
  BOOST_TEST(got.has_details == want.has_details);
  if (got.has_details && want.has_details)
    BOOST_TEST(same_json(got.details_json, want.details_json));
  BOOST_TEST(got.created_at == want.created_at);
}

void check_site_archive(const site_archive& got, const site_archive& want,
                        bool same_ids) {
  check_site(got.site, want.site, same_ids);
  BOOST_TEST_REQUIRE(got.versions.size() == want.versions.size());
  for (std::size_t i = 0; i < got.versions.size(); ++i) {
    BOOST_TEST_CONTEXT("version " << i + 1) {
      check_version(got.versions[i], want.versions[i], same_ids);
    }
  }
  BOOST_TEST_REQUIRE(got.audits.size() == want.audits.size());
  for (std::size_t i = 0; i < got.audits.size(); ++i) {
    BOOST_TEST_CONTEXT("audit #" << i) {
      check_audit(got.audits[i], want.audits[i], same_ids);
    }
  }
  BOOST_TEST_REQUIRE(got.deployments.size() == want.deployments.size());
  for (std::size_t i = 0; i < got.deployments.size(); ++i) {
    BOOST_TEST_CONTEXT("deployment #" << i) {
      check_deployment(got.deployments[i], want.deployments[i], same_ids);
    }
  }
}

// Everything but, unless `same_ids`, the ids.
void check_archive(const session_archive& got, const session_archive& want,
                   bool same_ids) {
  check_session(got.session, want.session, same_ids);
  BOOST_TEST(got.has_sites == want.has_sites);
  BOOST_TEST_REQUIRE(got.sites.size() == want.sites.size());
  for (std::size_t i = 0; i < got.sites.size(); ++i) {
    BOOST_TEST_CONTEXT("site #" << i << " " << want.sites[i].site.name) {
      check_site_archive(got.sites[i], want.sites[i], same_ids);
    }
  }
}

// -- synthetic archives -------------------------------------------------------

struct shape {
  std::size_t sites = 2;
  std::size_t versions = 2;     // per site
  std::size_t audits = 1;       // per site
  std::size_t deployments = 1;  // per site
};

// An archive as read() would return it, built by hand: ids ascending and
// timestamps increasing, so that the order given is the order of a read.
session_archive synthetic_archive(const shape& n) {
  static const std::array<const char*, 3> statuses{"pending", "succeeded",
                                                   "failed"};
  session_archive a;
  a.session = make_session("tenant-ä", at(0));
  a.session.has_user_id = true;
  a.session.user_id = "user-42";
  a.session.state_json = R"({"step": 2, "done": false})";
  a.session.preferences_json = R"({"theme": "dark"})";
  a.session.updated_at = at(1);
  a.has_sites = true;
  const auto site_ids = sorted_uuids(n.sites);
  int clock = 10;
  for (std::size_t i = 0; i < n.sites; ++i) {
    site_archive s;
    const auto& id = site_ids[i];
    s.site.site_id = id;
    s.site.session_id = a.session.session_id;
    s.site.name = "site " + std::to_string(i) + " ✓";
    s.site.has_site_type = i % 2 == 0;
    s.site.site_type = s.site.has_site_type ? "landing" : "";
    s.site.latest_version = static_cast<int64_t>(n.versions);
    s.site.revision = static_cast<int64_t>(n.versions + n.audits
                                           + n.deployments);
    s.site.created_at = at(clock++);
    for (std::size_t j = 1; j <= n.versions; ++j) {
      version_record v;
      v.site_id = id;
      v.version = static_cast<int64_t>(j);
      v.has_code = true;
      v.code = "<p>site " + std::to_string(i) + " version "
               + std::to_string(j) + " – ü</p>\n";
      v.code_size = static_cast<int64_t>(v.code.size());
      v.code_sha256 = some_sha256;
      v.has_requirements = j % 2 == 1;
      if (v.has_requirements)
        v.requirements_json = R"({"n": )" + std::to_string(j) + "}";
      v.has_changes = j % 3 != 0;
      if (v.has_changes)
        v.changes = "change " + std::to_string(j);
      v.created_at = at(clock++);
      s.versions.push_back(std::move(v));
    }
    const auto audit_ids = sorted_uuids(n.audits);
    for (std::size_t k = 0; k < n.audits; ++k) {
      audit_record r;
      r.audit_id = audit_ids[k];
      r.site_id = id;
      r.version = static_cast<int64_t>(k % n.versions + 1);
      r.score = static_cast<double>(k % 101) + 0.25;
      if (r.score > 100)
        r.score = 100;
      r.has_results = k % 2 == 0;
      if (r.has_results)
        r.results_json = R"({"k": )" + std::to_string(k) + "}";
      r.created_at = at(clock++);
      // The score of a version is that of its latest audit.
      auto& v = s.versions[static_cast<std::size_t>(r.version - 1)];
      v.has_audit_score = true;
      v.audit_score = r.score;
      s.audits.push_back(std::move(r));
    }
    const auto deployment_ids = sorted_uuids(n.deployments);
    for (std::size_t k = 0; k < n.deployments; ++k) {
      deployment_record d;
      d.deployment_id = deployment_ids[k];
      d.site_id = id;
      d.version = static_cast<int64_t>(k % n.versions + 1);
      d.status = statuses[k % statuses.size()];
      d.has_url = k % 2 == 0;
      if (d.has_url)
        d.url = "https://example.com/" + std::to_string(k);
      d.has_provider = k % 3 == 0;
      if (d.has_provider)
        d.provider = "netlify";
      d.has_details = k % 4 == 0;
      if (d.has_details)
        d.details_json = R"({"build": )" + std::to_string(k) + "}";
      d.created_at = at(clock++);
      s.deployments.push_back(std::move(d));
    }
    s.site.updated_at = at(clock - 1);
    a.sites.push_back(std::move(s));
  }
  return a;
}

// A good archive writes, and reads back as it was.
void check_good_write(archive_repository& repo) {
  const auto good = synthetic_archive({});
  repo.write(good);
  const auto back = repo.read(good.session.session_id, true);
  BOOST_TEST_REQUIRE(back.has_value());
  check_archive(*back, good, true);
}

} // namespace

BOOST_AUTO_TEST_SUITE(archive_repository_cases)

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
  const auto before = row_counts(sql);

  // (a) A deployment status the database's CHECK refuses.
  {
    auto bad = synthetic_archive({});
    bad.sites.back().deployments.back().status = "bogus";
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == before, boost::test_tools::per_element());
    BOOST_TEST(!repo.read(bad.session.session_id, true).has_value());
  }
  check_good_write(repo);
  auto expected = plus(before, rows_of(synthetic_archive({})));

  // (b) Code with U+0000, refused before the insert.
  {
    auto bad = synthetic_archive({});
    auto& last = bad.sites.back();
    last.audits.clear();
    last.deployments.clear();
    last.versions.back().code = std::string{"ok\0no", 5};
    last.versions.back().code_size = 5;
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
  }
  check_good_write(repo);
  expected = plus(expected, rows_of(synthetic_archive({})));

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
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
  }
  check_good_write(repo);
  expected = plus(expected, rows_of(synthetic_archive({})));

  // (d) An audit of a version the site does not have (foreign key).
  {
    auto bad = synthetic_archive({});
    auto& last = bad.sites.back();
    last.deployments.clear();
    auto audit = last.audits.back();
    audit.audit_id = random_uuid();
    audit.version = 3; // versions 1 and 2 only
    last.audits.push_back(audit);
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
  }
  check_good_write(repo);
  expected = plus(expected, rows_of(synthetic_archive({})));

  // (e) A deployment of a version the site does not have (foreign key).
  {
    auto bad = synthetic_archive({});
    bad.sites.back().deployments.back().version = 99;
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
  }
  check_good_write(repo);
  expected = plus(expected, rows_of(synthetic_archive({})));

  // (f) An audit score out of range (CHECK), and a timestamp that is none.
  {
    auto bad = synthetic_archive({});
    bad.sites.back().deployments.clear();
    bad.sites.back().audits.back().score = 100.5;
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
    bad = synthetic_archive({});
    bad.sites.back().deployments.back().created_at = "yesterday";
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
  }
  check_good_write(repo);
  expected = plus(expected, rows_of(synthetic_archive({})));

  // (g) An id that is not a lower-case UUID, and a version number below 1.
  {
    auto bad = synthetic_archive({});
    auto& id = bad.sites.back().deployments.back().deployment_id;
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
    bad = synthetic_archive({1, 1, 0, 0});
    bad.sites.back().versions.back().version = 0;
    BOOST_CHECK_THROW(repo.write(bad), std::invalid_argument);
    BOOST_TEST(row_counts(sql) == expected, boost::test_tools::per_element());
  }
  check_good_write(repo);
  expected = plus(expected, rows_of(synthetic_archive({})));
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
