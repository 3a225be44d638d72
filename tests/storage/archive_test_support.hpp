#pragma once

// What the archive repository tests share: row counts, new ids, field-by-field
// comparison of archives, and archives built by hand.

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

namespace memoryd::storage::test::archives {

using namespace memoryd::storage::test::sites;


// -- helpers -----------------------------------------------------------------

// 2026-11-24T02:00:00 plus `second` seconds, with microseconds that differ
// from one second to the next (second < 79200).
inline std::string at(int second) {
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

inline std::vector<long long> row_counts(soci::session& sql) {
  std::vector<long long> counts;
  for (const char* table : archive_tables) {
    long long n = -1;
    sql << "SELECT count(*) FROM " << table, soci::into(n);
    counts.push_back(n);
  }
  return counts;
}

// The rows of `a` in each table of archive_tables.
inline std::vector<long long> rows_of(const session_archive& a) {
  std::vector<long long> n{1, 1, static_cast<long long>(a.sites.size()), 0, 0,
                           0};
  for (const auto& s : a.sites) {
    n[3] += static_cast<long long>(s.versions.size());
    n[4] += static_cast<long long>(s.audits.size());
    n[5] += static_cast<long long>(s.deployments.size());
  }
  return n;
}

inline std::vector<long long> plus(std::vector<long long> a,
                            const std::vector<long long>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    a[i] += b[i];
  return a;
}

// `n` new ids in ascending order: given in the order of the rows they
// replace, they keep that order also where a timestamp ties.
inline std::vector<std::string> sorted_uuids(std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i)
    ids.push_back(random_uuid());
  std::sort(ids.begin(), ids.end());
  return ids;
}

// `a` with every id new (session, sites, audits, deployments); version
// numbers, timestamps and all else as they are.
inline session_archive with_new_ids(session_archive a) {
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
inline std::vector<std::string> ids_of(const Records& items,
                                std::string (*id)(const typename Records::value_type&)) {
  std::vector<std::string> out;
  for (const auto& r : items)
    out.push_back(id(r));
  return out;
}

inline std::string site_id_of(const site_archive& s) {
  return s.site.site_id;
}
inline std::string audit_id_of(const audit_record& a) {
  return a.audit_id;
}
inline std::string deployment_id_of(const deployment_record& d) {
  return d.deployment_id;
}

// -- field-by-field comparison -----------------------------------------------

inline void check_session(const session_record& got, const session_record& want,
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

inline void check_site(const site_record& got, const site_record& want,
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
inline void check_version(const version_record& got, const version_record& want,
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

inline void check_audit(const audit_record& got, const audit_record& want,
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

inline void check_deployment(const deployment_record& got,
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

inline void check_site_archive(const site_archive& got, const site_archive& want,
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
inline void check_archive(const session_archive& got, const session_archive& want,
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
inline session_archive synthetic_archive(const shape& n) {
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
inline void check_good_write(archive_repository& repo) {
  const auto good = synthetic_archive({});
  repo.write(good);
  const auto back = repo.read(good.session.session_id, true);
  BOOST_TEST_REQUIRE(back.has_value());
  check_archive(*back, good, true);
}

} // namespace memoryd::storage::test::archives
