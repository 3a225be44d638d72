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

BOOST_AUTO_TEST_SUITE(site_repository_cases)

STORAGE_TEST_CASE(create_and_view_round_trip) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto session_id = new_session(*db.sql);
  auto draft = draft_site(session_id, t0);
  draft.name = "Café ☕ site";
  draft.has_site_type = true;
  draft.site_type = "landing";
  const auto code = big_code();
  auto first = version_of(code, t1);
  first.has_requirements = true;
  first.requirements_json = R"({"pages": ["home", "über"], "dark": true})";
  first.has_changes = true;
  first.changes = "first draft ✍";

  const auto created = repo.create(draft, first);
  BOOST_TEST(created.site_id == draft.site_id);
  BOOST_TEST(created.latest_version == 1);
  BOOST_TEST(created.revision == 1);
  BOOST_TEST(created.created_at == t0);
  BOOST_TEST(created.updated_at == t0);

  const auto v = repo.view(draft.site_id, 10);
  BOOST_TEST_REQUIRE(v.has_value());
  BOOST_TEST(v->site.site_id == draft.site_id);
  BOOST_TEST(v->site.session_id == session_id);
  BOOST_TEST(v->site.name == "Café ☕ site");
  BOOST_TEST(v->site.has_site_type);
  BOOST_TEST(v->site.site_type == "landing");
  BOOST_TEST(v->site.latest_version == 1);
  BOOST_TEST(v->site.revision == 1);
  BOOST_TEST(v->site.created_at == t0);
  BOOST_TEST(v->site.updated_at == t0);

  const auto& latest = v->latest;
  BOOST_TEST(latest.version == 1);
  BOOST_TEST(latest.has_code);
  BOOST_TEST(latest.code.size() == code.size());
  BOOST_TEST((latest.code == code)); // not printed: 1 MB
  BOOST_TEST(latest.code_size == static_cast<int64_t>(code.size()));
  BOOST_TEST(latest.code_sha256 == some_sha256);
  BOOST_TEST(latest.has_requirements);
  BOOST_TEST(same_json(latest.requirements_json, first.requirements_json));
  BOOST_TEST(latest.has_changes);
  BOOST_TEST(latest.changes == "first draft ✍");
  BOOST_TEST(!latest.has_audit_score);
  BOOST_TEST(latest.created_at == t1);

  BOOST_TEST_REQUIRE(v->versions.size() == 1u);
  BOOST_TEST(!v->versions_truncated);
  const auto& meta = v->versions.front();
  BOOST_TEST(meta.version == 1);
  BOOST_TEST(!meta.has_code);
  BOOST_TEST(meta.code.empty());
  BOOST_TEST(meta.code_size == static_cast<int64_t>(code.size()));
  BOOST_TEST(meta.changes == "first draft ✍");
  BOOST_TEST(v->audits.empty());
  BOOST_TEST(v->deployments.empty());
  BOOST_TEST(!v->audits_truncated);
  BOOST_TEST(!v->deployments_truncated);

  // Optional fields left out are NULL, and the version's created_at
  // defaults to the site's.
  auto plain = draft_site(session_id, t2);
  const auto s = repo.create(plain, version_of(""));
  BOOST_TEST(!s.has_site_type);
  const auto w = repo.view(plain.site_id, 10);
  BOOST_TEST_REQUIRE(w.has_value());
  BOOST_TEST(!w->site.has_site_type);
  BOOST_TEST(w->latest.has_code);
  BOOST_TEST(w->latest.code.empty());
  BOOST_TEST(!w->latest.has_requirements);
  BOOST_TEST(!w->latest.has_changes);
  BOOST_TEST(w->latest.created_at == t2);

  BOOST_TEST(!repo.view(random_uuid(), 10).has_value());
  BOOST_TEST(!repo.view("not-a-uuid", 10).has_value());
}

STORAGE_TEST_CASE(create_refuses_what_it_cannot_store_alike) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto session_id = new_session(sql);

  // No such session: nothing written, the connection usable.
  auto orphan = draft_site(random_uuid());
  BOOST_CHECK_THROW(repo.create(orphan, version_of("x")), not_found);
  orphan.session_id = "not-a-uuid";
  BOOST_CHECK_THROW(repo.create(orphan, version_of("x")), not_found);
  BOOST_TEST(count_where(sql, "sites", "site_id", orphan.site_id) == 0);

  auto s = draft_site(session_id);
  repo.create(s, version_of("one"));
  BOOST_CHECK_THROW(repo.create(s, version_of("two")), conflict);
  BOOST_TEST(repo.version(s.site_id, 1)->code == "one");

  auto bad = draft_site(session_id);
  bad.site_id = "ABC";
  BOOST_CHECK_THROW(repo.create(bad, version_of("x")), std::invalid_argument);
  bad = draft_site(session_id, "yesterday");
  BOOST_CHECK_THROW(repo.create(bad, version_of("x")), std::invalid_argument);

  // U+0000 would be cut off (text) or refused (jsonb) by PostgreSQL only.
  bad = draft_site(session_id);
  BOOST_CHECK_THROW(repo.create(bad, version_of(std::string{"a\0b", 3})),
                    std::invalid_argument);
  auto v = version_of("x");
  v.has_requirements = true;
  v.requirements_json = R"({"a": "\u0000"})";
  BOOST_CHECK_THROW(repo.create(bad, v), std::invalid_argument);
  // ... but an escaped backslash followed by "u0000" is plain text.
  v.requirements_json = R"({"a": "\\u0000", "b": "\\\\"})";
  repo.create(bad, v);
  BOOST_TEST(same_json(repo.version(bad.site_id, 1)->requirements_json,
                       v.requirements_json));

  auto wrong_size = version_of("abc");
  wrong_size.code_size = 4;
  BOOST_CHECK_THROW(repo.create(draft_site(session_id), wrong_size),
                    std::invalid_argument);
  BOOST_TEST(count_where(sql, "sites", "session_id", session_id) == 2);
}

STORAGE_TEST_CASE(versions_are_numbered_on_from_two) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto site = new_site(*db.sql);
  for (int64_t n = 2; n <= 5; ++n) {
    const auto got =
      repo.add_versions(site.site_id, {version_of("v" + std::to_string(n))});
    BOOST_TEST(got == std::vector<int64_t>{n},
               boost::test_tools::per_element());
  }
  const auto s = stored_site(repo, site.site_id);
  BOOST_TEST(s.latest_version == 5);
  BOOST_TEST(s.revision == 5);
  for (int64_t n = 1; n <= 5; ++n)
    BOOST_TEST(repo.version(site.site_id, n)->code ==
               (n == 1 ? "<p>v1</p>" : "v" + std::to_string(n)));

  // updated_at is the new version's created_at.
  repo.add_versions(site.site_id, {version_of("v6", t2)});
  BOOST_TEST(stored_site(repo, site.site_id).updated_at == t2);
  BOOST_TEST(repo.version(site.site_id, 6)->created_at == t2);

  BOOST_CHECK_THROW(repo.add_versions(random_uuid(), {version_of("x")}),
                    not_found);
  BOOST_CHECK_THROW(repo.add_versions("nope", {version_of("x")}), not_found);
  BOOST_CHECK_THROW(repo.add_versions(site.site_id, {}), std::invalid_argument);
}

STORAGE_TEST_CASE(a_batch_takes_consecutive_numbers_in_one_revision) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto site = new_site(sql);
  const auto got = repo.add_versions(site.site_id, {version_of("a", t1),
                                                    version_of("b", t1),
                                                    version_of("c", t2)});
  BOOST_TEST(got == range(2, 4), boost::test_tools::per_element());
  BOOST_TEST(repo.version(site.site_id, 2)->code == "a");
  BOOST_TEST(repo.version(site.site_id, 3)->code == "b");
  BOOST_TEST(repo.version(site.site_id, 4)->code == "c");
  auto s = stored_site(repo, site.site_id);
  BOOST_TEST(s.latest_version == 4);
  BOOST_TEST(s.revision == 2);
  BOOST_TEST(s.updated_at == t2);

  BOOST_TEST(repo.add_versions(site.site_id, {version_of("d")}) ==
               std::vector<int64_t>{5},
             boost::test_tools::per_element());

  // One bad version refuses the whole batch.
  auto bad = version_of("e");
  bad.code_size = 0;
  BOOST_CHECK_THROW(repo.add_versions(site.site_id, {version_of("ok"), bad}),
                    std::invalid_argument);
  s = stored_site(repo, site.site_id);
  BOOST_TEST(s.latest_version == 5);
  BOOST_TEST(count_where(sql, "site_versions", "site_id", site.site_id) == 5);
}

// latest_version behind site_versions can only come from a hand edit; the
// write then fails as a whole instead of skipping or overwriting a version.
STORAGE_TEST_CASE(a_taken_number_is_a_conflict_and_writes_nothing) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto site = new_site(sql);
  sql << "INSERT INTO site_versions (site_id, version, code, code_size,"
         " code_sha256, created_at) VALUES (:site, 3, 'by hand', 7, 'x', :t)",
    soci::use(site.site_id, "site"), soci::use(t0, "t");

  BOOST_TEST(repo.add_versions(site.site_id, {version_of("two")}) ==
               std::vector<int64_t>{2},
             boost::test_tools::per_element());
  BOOST_CHECK_THROW(repo.add_versions(site.site_id,
                                      {version_of("three")}),
                    conflict);
  BOOST_CHECK_THROW(repo.add_versions(site.site_id,
                                      {version_of("x"), version_of("y")}),
                    conflict);
  const auto s = stored_site(repo, site.site_id);
  BOOST_TEST(s.latest_version == 2);
  BOOST_TEST(s.revision == 2);
  BOOST_TEST(repo.version(site.site_id, 3)->code == "by hand");
  BOOST_TEST(count_where(sql, "site_versions", "site_id", site.site_id) == 3);
}

STORAGE_TEST_CASE(view_caps_its_lists_and_says_so) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto site = new_site(*db.sql);
  std::vector<new_version> batch;
  for (int i = 2; i <= 12; ++i)
    batch.push_back(version_of("v" + std::to_string(i)));
  repo.add_versions(site.site_id, batch);
  const std::vector<std::string> times{t0, t1, t2, t1};
  for (const auto& at : times) {
    repo.add_audit(audit_of(site.site_id, 12, 50, at));
    repo.add_deployment(deployment_of(site.site_id, 12, at));
  }

  auto v = repo.view(site.site_id, 5, 2, 3);
  BOOST_TEST_REQUIRE(v.has_value());
  BOOST_TEST(v->latest.version == 12);
  BOOST_TEST(v->latest.code == "v12");
  BOOST_TEST(numbers_of(v->versions) == range(12, 8, -1),
             boost::test_tools::per_element());
  BOOST_TEST(v->versions_truncated);
  for (const auto& m : v->versions)
    BOOST_TEST(!m.has_code);
  BOOST_TEST_REQUIRE(v->audits.size() == 2u);
  BOOST_TEST(v->audits_truncated);
  BOOST_TEST(v->audits[0].created_at == t2);
  BOOST_TEST(v->audits[1].created_at == t1);
  BOOST_TEST_REQUIRE(v->deployments.size() == 3u);
  BOOST_TEST(v->deployments_truncated);
  BOOST_TEST(v->deployments[0].created_at == t2);
  BOOST_TEST(v->deployments[2].created_at == t1);

  v = repo.view(site.site_id, 12, 4, 4);
  BOOST_TEST(numbers_of(v->versions) == range(12, 1, -1),
             boost::test_tools::per_element());
  BOOST_TEST(!v->versions_truncated);
  BOOST_TEST(v->audits.size() == 4u);
  BOOST_TEST(!v->audits_truncated);
  BOOST_TEST(v->audits.back().created_at == t0);
  BOOST_TEST(!v->deployments_truncated);

  v = repo.view(site.site_id, 0, 0, 0);
  BOOST_TEST(v->versions.empty());
  BOOST_TEST(v->versions_truncated);
  BOOST_TEST(v->audits.empty());
  BOOST_TEST(v->audits_truncated);
  BOOST_TEST(v->latest.code == "v12");

  BOOST_CHECK_THROW(repo.view(site.site_id, 1'000'000), std::invalid_argument);
  // view() left no transaction open: the connection writes on.
  BOOST_TEST(repo.add_versions(site.site_id, {version_of("v13")}) ==
               std::vector<int64_t>{13},
             boost::test_tools::per_element());
}

STORAGE_TEST_CASE(site_pages_cover_every_site_once_in_order) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto session_id = new_session(sql);
  const auto other_session = new_session(sql);
  std::vector<std::tuple<std::string, std::string>> expected;
  for (const auto& at : {t1, t0, t2, t1, t0, t1, t2}) {
    const auto s = repo.create(draft_site(session_id, at), version_of("x"));
    expected.emplace_back(s.created_at, s.site_id);
    repo.create(draft_site(other_session, at), version_of("y"));
  }
  std::ranges::sort(expected);
  std::vector<std::string> expected_ids;
  for (const auto& e : expected)
    expected_ids.push_back(std::get<1>(e));

  for (std::size_t limit : {1u, 2u, 3u, 6u, 7u, 8u, 100u}) {
    BOOST_TEST_CONTEXT("limit " << limit) {
      std::vector<std::string> ids;
      bool has_cursor = false;
      std::string after_at, after_id;
      for (int pages = 1;; ++pages) {
        BOOST_TEST_REQUIRE(pages < 20);
        const auto page =
          repo.list_sites(session_id, limit, has_cursor, after_at, after_id);
        BOOST_TEST(page.items.size() <= limit);
        for (const auto& s : page.items) {
          BOOST_TEST(s.session_id == session_id);
          ids.push_back(s.site_id);
        }
        if (!page.has_more)
          break;
        has_cursor = true;
        after_at = page.items.back().created_at;
        after_id = page.items.back().site_id;
      }
      BOOST_TEST(ids == expected_ids, boost::test_tools::per_element());
    }
  }

  const auto empty = repo.list_sites(new_session(sql), 10, false, "", "");
  BOOST_TEST(empty.items.empty());
  BOOST_TEST(!empty.has_more);
  BOOST_CHECK_THROW(repo.list_sites(random_uuid(), 10, false, "", ""),
                    not_found);
  BOOST_CHECK_THROW(repo.list_sites("nope", 10, false, "", ""), not_found);
  BOOST_CHECK_THROW(repo.list_sites(session_id, 0, false, "", ""),
                    std::invalid_argument);
  BOOST_CHECK_THROW(repo.list_sites(session_id, 10, true, "garbage",
                                    random_uuid()),
                    std::invalid_argument);
  BOOST_CHECK_THROW(repo.list_sites(session_id, 10, true, t0, "nope"),
                    std::invalid_argument);
}

// A client walks the versions newest first while others keep adding: it
// sees every version that existed when it started, once each, in order.
STORAGE_TEST_CASE(version_pages_are_stable_under_inserts) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto writer_sql = db.connect();
  site_repository writer{*writer_sql};
  const auto site = new_site(*db.sql);
  std::vector<new_version> batch;
  for (int i = 2; i <= 10; ++i)
    batch.push_back(version_of("v" + std::to_string(i)));
  repo.add_versions(site.site_id, batch);

  std::vector<int64_t> seen;
  int64_t cursor = 0;
  for (int pages = 1;; ++pages) {
    BOOST_TEST_REQUIRE(pages < 20);
    const auto page = repo.list_versions(site.site_id, 3, cursor);
    for (const auto& v : page.items) {
      BOOST_TEST(!v.has_code);
      if (v.version > 1)
        BOOST_TEST(v.code_size == static_cast<int64_t>(
                                    ("v" + std::to_string(v.version)).size()));
    }
    const auto n = numbers_of(page.items);
    seen.insert(seen.end(), n.begin(), n.end());
    if (!page.has_more)
      break;
    cursor = page.items.back().version;
    writer.add_versions(site.site_id, {version_of("late"), version_of("late")});
  }
  BOOST_TEST(seen == range(10, 1, -1), boost::test_tools::per_element());

  // From the newest again: the late ones come first now.
  const auto first = repo.list_versions(site.site_id, 2, 0);
  BOOST_TEST(numbers_of(first.items) == range(16, 15, -1),
             boost::test_tools::per_element());
  BOOST_TEST(first.has_more);
  const auto last = repo.list_versions(site.site_id, 5, 2);
  BOOST_TEST(numbers_of(last.items) == std::vector<int64_t>{1},
             boost::test_tools::per_element());
  BOOST_TEST(!last.has_more);
  BOOST_TEST(repo.list_versions(site.site_id, 5, 1).items.empty());

  BOOST_CHECK_THROW(repo.list_versions(random_uuid(), 5, 0), not_found);
  BOOST_CHECK_THROW(repo.list_versions(random_uuid(), 5, 1), not_found);
  BOOST_CHECK_THROW(repo.list_versions("nope", 5, 0), not_found);
  BOOST_CHECK_THROW(repo.list_versions(site.site_id, 0, 0),
                    std::invalid_argument);
  BOOST_CHECK_THROW(repo.list_versions(site.site_id, 5, -1),
                    std::invalid_argument);
}

STORAGE_TEST_CASE(version_by_number) {
  auto db = fresh_database(backend_name);
  site_repository repo{*db.sql};
  const auto site = new_site(*db.sql);
  auto v2 = version_of("two ✓", t2);
  v2.has_changes = true;
  v2.changes = "second";
  repo.add_versions(site.site_id, {v2});

  const auto got = repo.version(site.site_id, 2);
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST(got->site_id == site.site_id);
  BOOST_TEST(got->version == 2);
  BOOST_TEST(got->has_code);
  BOOST_TEST(got->code == "two ✓");
  BOOST_TEST(got->code_size == static_cast<int64_t>(v2.code.size()));
  BOOST_TEST(got->changes == "second");
  BOOST_TEST(got->created_at == t2);
  BOOST_TEST(repo.version(site.site_id, 1)->code == "<p>v1</p>");

  BOOST_TEST(!repo.version(site.site_id, 3).has_value());
  BOOST_TEST(!repo.version(site.site_id, 0).has_value());
  BOOST_TEST(!repo.version(site.site_id, -1).has_value());
  BOOST_TEST(!repo.version(random_uuid(), 1).has_value());
  BOOST_TEST(!repo.version("nope", 1).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
