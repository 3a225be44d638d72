#pragma once

// What the site repository tests share: fixed timestamps and builders of
// sessions, sites, versions, audits and deployments.

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
#include <soci/soci.h>
#include "storage/errors.hpp"
#include "storage/retry.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"
#include "tests/storage/fixture.hpp"

namespace memoryd::storage::test::sites {

using namespace std::chrono_literals;

inline const std::string t0 = "2026-11-24T02:00:00.000000Z";
inline const std::string t1 = "2026-11-24T03:30:00.250000Z";
inline const std::string t2 = "2026-11-25T00:00:00.000001Z";

// Not a real digest: the repository stores what the caller computed.
inline const std::string some_sha256(64, 'a');

inline new_version version_of(std::string code, std::string created_at = "") {
  new_version v;
  v.code_size = static_cast<int64_t>(code.size());
  v.code = std::move(code);
  v.code_sha256 = some_sha256;
  v.created_at = std::move(created_at);
  return v;
}

inline std::string new_session(soci::session& sql) {
  const auto s = make_session();
  session_repository{sql}.create(s);
  return s.session_id;
}

inline site_record draft_site(const std::string& session_id,
                       const std::string& created_at = t0) {
  site_record s;
  s.site_id = random_uuid();
  s.session_id = session_id;
  s.name = "home";
  s.created_at = created_at;
  return s;
}

// A new site of a new session, at version 1.
inline site_record new_site(soci::session& sql) {
  return site_repository{sql}.create(draft_site(new_session(sql)),
                                     version_of("<p>v1</p>", t0));
}

inline site_record stored_site(site_repository& repo, const std::string& site_id) {
  auto v = repo.view(site_id, 1);
  BOOST_TEST_REQUIRE(v.has_value());
  return v->site;
}

// The version numbers of `items`, in the order given.
template <class Records>
std::vector<int64_t> numbers_of(const Records& items) {
  std::vector<int64_t> n;
  for (const auto& r : items)
    n.push_back(r.version);
  return n;
}

inline std::vector<int64_t> range(int64_t from, int64_t to, int64_t step = 1) {
  std::vector<int64_t> n;
  for (auto i = from; step > 0 ? i <= to : i >= to; i += step)
    n.push_back(i);
  return n;
}

// At least 1 MB of text in every UTF-8 length, with what SQL or SOCI could
// trip over: quotes, backslashes, ":name", CR LF, the highest code point.
inline std::string big_code() {
  const std::string piece = "<p class='x'>Zoë \"日本語\" 🚀 \\n :name ?\r\n"
                            "\t\xf4\x8f\xbf\xbf €</p>\n";
  std::string code;
  while (code.size() < 1024 * 1024)
    code += piece;
  return code;
}

inline audit_record audit_of(const std::string& site_id, int64_t version,
                      double score, const std::string& created_at = t1) {
  audit_record a;
  a.audit_id = random_uuid();
  a.site_id = site_id;
  a.version = version;
  a.score = score;
  a.created_at = created_at;
  return a;
}

inline deployment_record deployment_of(const std::string& site_id, int64_t version,
                                const std::string& created_at = t1) {
  deployment_record d;
  d.deployment_id = random_uuid();
  d.site_id = site_id;
  d.version = version;
  d.status = "pending";
  d.created_at = created_at;
  return d;
}

inline long long rows_below_site(soci::session& sql, const std::string& site_id) {
  long long n = 0;
  for (const char* table : {"site_versions", "audits", "deployments"})
    n += count_where(sql, table, "site_id", site_id);
  return n;
}

} // namespace memoryd::storage::test::sites
