#include <algorithm>
#include <barrier>
#include <regex>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/errors.hpp"
#include "storage/session_repository.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

namespace {

const std::string t0 = "2026-11-24T02:00:00.000000Z";
const std::string t1 = "2026-11-24T03:30:00.250000Z";
const std::string t2 = "2026-11-25T00:00:00.000001Z";

session_record stored(session_repository& repo, const std::string& id) {
  auto found = repo.find(id);
  BOOST_TEST_REQUIRE(found.has_value());
  return *found;
}

session_update update_of(const session_record& s, const std::string& at) {
  session_update u;
  u.session_id = s.session_id;
  u.tenant = s.tenant;
  u.updated_at = at;
  return u;
}

// Walks every page of `q` and returns the ids in the order served.
std::vector<std::string> walk_pages(session_repository& repo,
                                    session_page_query q, int& pages) {
  std::vector<std::string> ids;
  pages = 0;
  for (;;) {
    const auto page = repo.list(q);
    ++pages;
    BOOST_TEST_REQUIRE(pages < 100);
    BOOST_TEST(page.items.size() <= q.limit);
    for (const auto& s : page.items)
      ids.push_back(s.session_id);
    if (!page.has_more)
      return ids;
    BOOST_TEST_REQUIRE(page.items.size() == q.limit);
    q.has_cursor = true;
    q.after_created_at = page.items.back().created_at;
    q.after_session_id = page.items.back().session_id;
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(session_repository_cases)

STORAGE_TEST_CASE(create_and_find_round_trip) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  auto s = make_session("tenant-ü", t0);
  s.has_user_id = true;
  s.user_id = "Zoë 🚀 日本語";
  s.state_json = R"({"step": 3, "draft": {"title": "Café ☕", "tags": ["a", "b"]}, "z": null})";
  s.preferences_json = R"({"design_style": "brütal", "favorite_features": ["🌙"]})";
  s.updated_at = t1;
  repo.create(s);

  const auto r = stored(repo, s.session_id);
  BOOST_TEST(r.session_id == s.session_id);
  BOOST_TEST(r.tenant == "tenant-ü");
  BOOST_TEST(r.has_user_id);
  BOOST_TEST(r.user_id == "Zoë 🚀 日本語");
  BOOST_TEST(same_json(r.state_json, s.state_json));
  BOOST_TEST(same_json(r.preferences_json, s.preferences_json));
  BOOST_TEST(r.revision == 1);
  BOOST_TEST(r.created_at == t0);
  BOOST_TEST(r.updated_at == t1);
}

STORAGE_TEST_CASE(null_user_id_and_defaults) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  session_record s;
  s.session_id = random_uuid();
  s.revision = 42; // ignored: a new session is at revision 1
  repo.create(s);

  const auto r = stored(repo, s.session_id);
  BOOST_TEST(!r.has_user_id);
  BOOST_TEST(r.user_id.empty());
  BOOST_TEST(r.tenant.empty());
  BOOST_TEST(same_json(r.state_json, "{}"));
  BOOST_TEST(same_json(r.preferences_json, "{}"));
  BOOST_TEST(r.revision == 1);
  // Unset timestamps are "now", and updated_at equals created_at.
  BOOST_TEST(r.updated_at == r.created_at);
  BOOST_TEST(r.created_at > "2026-01-01");
  long long nulls = -1;
  *db.sql << "SELECT count(*) FROM sessions WHERE user_id IS NULL",
    soci::into(nulls);
  BOOST_TEST(nulls == 1);
}

STORAGE_TEST_CASE(timestamps_round_trip_in_canonical_form) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  const std::regex canonical{
    R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)"};
  // Shorter forms are accepted and stored canonically.
  auto s = make_session("", "2026-11-24T02:00:00Z");
  s.updated_at = "2026-11-24 02:00:00.5+00:00";
  repo.create(s);
  auto r = stored(repo, s.session_id);
  BOOST_TEST(r.created_at == "2026-11-24T02:00:00.000000Z");
  BOOST_TEST(r.updated_at == "2026-11-24T02:00:00.500000Z");
  BOOST_TEST(std::regex_match(r.created_at, canonical));

  // Microseconds survive, on the edge of the day too.
  auto u = update_of(r, "2026-12-31T23:59:59.999999Z");
  u.set_state = true;
  u.state_json = "{}";
  BOOST_TEST(repo.update(u).updated_at == "2026-12-31T23:59:59.999999Z");
  BOOST_TEST(stored(repo, s.session_id).updated_at ==
             "2026-12-31T23:59:59.999999Z");

  auto bad = make_session("", "yesterday");
  BOOST_CHECK_THROW(repo.create(bad), std::invalid_argument);
  BOOST_TEST(!repo.find(bad.session_id).has_value());
}

STORAGE_TEST_CASE(find_unknown_or_malformed_ids) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  BOOST_TEST(!repo.find(random_uuid()).has_value());
  BOOST_TEST(!repo.find("not-a-uuid").has_value());
  // Upper case is not the stored form: the same answer on both backends.
  auto s = make_session();
  repo.create(s);
  std::string upper = s.session_id;
  std::ranges::transform(upper, upper.begin(), ::toupper);
  BOOST_TEST(!repo.find(upper).has_value());

  auto malformed = make_session();
  malformed.session_id = "ABC";
  BOOST_CHECK_THROW(repo.create(malformed), std::invalid_argument);
}

STORAGE_TEST_CASE(create_twice_is_a_conflict) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  auto s = make_session();
  s.state_json = R"({"v": 1})";
  repo.create(s);
  auto again = s;
  again.state_json = R"({"v": 2})";
  again.preferences_json = R"({"p": 2})";
  BOOST_CHECK_THROW(repo.create(again), conflict);
  const auto r = stored(repo, s.session_id);
  BOOST_TEST(same_json(r.state_json, R"({"v": 1})"));
  BOOST_TEST(same_json(r.preferences_json, "{}"));
  // The failed create left no transaction open.
  auto other = make_session();
  repo.create(other);
  BOOST_TEST(repo.find(other.session_id).has_value());
}

STORAGE_TEST_CASE(update_changes_exactly_the_given_fields) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  auto s = make_session("t", t0);
  s.has_user_id = true;
  s.user_id = "alice";
  s.state_json = R"({"a": 1})";
  s.preferences_json = R"({"design_style": "flat"})";
  repo.create(s);

  // state only
  auto u = update_of(s, t1);
  u.set_state = true;
  u.state_json = R"({"a": 2, "b": [1, 2]})";
  auto r = repo.update(u);
  BOOST_TEST(r.revision == 2);
  BOOST_TEST(same_json(r.state_json, u.state_json));
  BOOST_TEST(r.user_id == "alice");
  BOOST_TEST(same_json(r.preferences_json, s.preferences_json));
  BOOST_TEST(r.created_at == t0);
  BOOST_TEST(r.updated_at == t1);
  BOOST_TEST(r.tenant == "t");

  // user_id only
  u = update_of(s, t2);
  u.set_user_id = true;
  u.has_user_id = true;
  u.user_id = "bob";
  r = repo.update(u);
  BOOST_TEST(r.revision == 3);
  BOOST_TEST(r.has_user_id);
  BOOST_TEST(r.user_id == "bob");
  BOOST_TEST(same_json(r.state_json, R"({"a": 2, "b": [1, 2]})"));
  BOOST_TEST(r.updated_at == t2);

  // user_id to NULL
  u = update_of(s, t2);
  u.set_user_id = true;
  u.has_user_id = false;
  r = repo.update(u);
  BOOST_TEST(r.revision == 4);
  BOOST_TEST(!r.has_user_id);

  // preferences only
  u = update_of(s, t2);
  u.set_preferences = true;
  u.preferences_json = R"({"default_color_scheme": "dark"})";
  r = repo.update(u);
  BOOST_TEST(r.revision == 5);
  BOOST_TEST(same_json(r.preferences_json, u.preferences_json));
  BOOST_TEST(!r.has_user_id);
  BOOST_TEST(same_json(r.state_json, R"({"a": 2, "b": [1, 2]})"));

  // everything at once, conditionally
  u = update_of(s, t2);
  u.set_state = u.set_user_id = u.has_user_id = u.set_preferences = true;
  u.state_json = "{}";
  u.user_id = "carol";
  u.preferences_json = R"({"x": true})";
  u.expected_revision = 5;
  r = repo.update(u);
  BOOST_TEST(r.revision == 6);
  BOOST_TEST(same_json(r.state_json, "{}"));
  BOOST_TEST(r.user_id == "carol");
  BOOST_TEST(same_json(r.preferences_json, R"({"x": true})"));

  // What update returned is what is stored.
  const auto again = stored(repo, s.session_id);
  BOOST_TEST(again.revision == 6);
  BOOST_TEST(again.user_id == "carol");
  BOOST_TEST(same_json(again.preferences_json, R"({"x": true})"));
}

STORAGE_TEST_CASE(if_match_mismatch_changes_nothing) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  auto s = make_session("", t0);
  s.state_json = R"({"v": 1})";
  repo.create(s);
  auto u = update_of(s, t1);
  u.set_state = true;
  u.state_json = R"({"v": 2})";
  u.expected_revision = 1;
  BOOST_TEST(repo.update(u).revision == 2);

  u.state_json = R"({"v": 3})";
  u.set_preferences = true;
  u.preferences_json = R"({"p": 3})";
  u.updated_at = t2;
  u.expected_revision = 1; // stale
  try {
    repo.update(u);
    BOOST_FAIL("a stale If-Match was accepted");
  } catch (const precondition_failed& e) {
    BOOST_TEST(e.current_revision == 2);
  }
  const auto r = stored(repo, s.session_id);
  BOOST_TEST(r.revision == 2);
  BOOST_TEST(same_json(r.state_json, R"({"v": 2})"));
  BOOST_TEST(same_json(r.preferences_json, "{}"));
  BOOST_TEST(r.updated_at == t1);
}

STORAGE_TEST_CASE(update_of_a_missing_session_is_not_found) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  session_update u;
  u.session_id = random_uuid();
  u.set_state = true;
  u.state_json = "{}";
  BOOST_CHECK_THROW(repo.update(u), not_found);
  u.expected_revision = 1;
  BOOST_CHECK_THROW(repo.update(u), not_found);
  u.session_id = "nope";
  BOOST_CHECK_THROW(repo.update(u), not_found);
}

// Two writers with the same If-Match, each on its own connection (as two
// daemons would be): exactly one wins, the other sees the new revision.
STORAGE_TEST_CASE(concurrent_conditional_updates_have_one_winner) {
  auto db = fresh_database(backend_name);
  auto s = make_session();
  session_repository{*db.sql}.create(s);
  constexpr int writers = 4;
  std::vector<int> outcome(writers, 0); // 1 won, 2 precondition_failed
  std::vector<long long> seen(writers, 0);
  std::barrier start{writers};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < writers; ++i)
      threads.emplace_back([&, i, sql = db.connect()] {
        session_update u;
        u.session_id = s.session_id;
        u.set_state = true;
        u.state_json = R"({"writer": )" + std::to_string(i) + "}";
        u.expected_revision = 1;
        start.arrive_and_wait();
        try {
          session_repository{*sql}.update(u);
          outcome[i] = 1;
        } catch (const precondition_failed& e) {
          outcome[i] = 2;
          seen[i] = e.current_revision;
        } catch (const std::exception& e) {
          BOOST_TEST_MESSAGE("writer " << i << ": " << e.what());
        }
      });
  }
  BOOST_TEST(std::ranges::count(outcome, 1) == 1);
  BOOST_TEST(std::ranges::count(outcome, 2) == writers - 1);
  for (int i = 0; i < writers; ++i)
    if (outcome[i] == 2)
      BOOST_TEST(seen[i] == 2);
  BOOST_TEST(session_repository{*db.sql}.find(s.session_id)->revision == 2);
}

STORAGE_TEST_CASE(remove_cascades_to_everything_the_session_owns) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  session_repository repo{sql};
  const auto [doomed_id, doomed_site, kept_id, kept_site] =
    insert_two_site_trees(sql);
  BOOST_TEST_REQUIRE(site_tree_rows(sql, doomed_site) == 4);

  BOOST_TEST(repo.remove(doomed_id));
  BOOST_TEST(!repo.find(doomed_id).has_value());
  BOOST_TEST(count_where(sql, "sessions", "session_id", doomed_id) ==
             0);
  BOOST_TEST(count_where(sql, "user_preferences", "session_id",
                         doomed_id) == 0);
  BOOST_TEST(site_tree_rows(sql, doomed_site) == 0);
  // Nothing else went.
  BOOST_TEST(repo.find(kept_id).has_value());
  BOOST_TEST(count_where(sql, "user_preferences", "session_id",
                         kept_id) == 1);
  BOOST_TEST(site_tree_rows(sql, kept_site) == 4);

  BOOST_TEST(!repo.remove(doomed_id));
  BOOST_TEST(!repo.remove(random_uuid()));
  BOOST_TEST(!repo.remove("not-a-uuid"));
}

STORAGE_TEST_CASE(pages_cover_every_session_once_in_order) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  // 11 sessions over 4 distinct created_at values, so that pages end in
  // the middle of a tie; plus sessions of another tenant.
  std::vector<std::tuple<std::string, std::string>> expected;
  const std::vector<std::string> times{t1, t0, t2, t1, t0, t1, t1, t2,
                                       "2026-11-24T02:00:00.000001Z", t0, t1};
  for (const auto& at : times) {
    auto s = make_session("acme", at);
    repo.create(s);
    expected.emplace_back(s.created_at, s.session_id);
    repo.create(make_session("other", at));
  }
  std::ranges::sort(expected);
  std::vector<std::string> expected_ids;
  for (const auto& e : expected)
    expected_ids.push_back(std::get<1>(e));

  for (std::size_t limit : {1u, 2u, 3u, 4u, 10u, 11u, 12u, 100u}) {
    BOOST_TEST_CONTEXT("limit " << limit) {
      session_page_query q;
      q.tenant = "acme";
      q.limit = limit;
      int pages = 0;
      const auto ids = walk_pages(repo, q, pages);
      BOOST_TEST(ids == expected_ids, boost::test_tools::per_element());
      BOOST_TEST(pages == static_cast<int>(
                            std::max<std::size_t>(1, (11 + limit - 1) / limit)));
    }
  }

  // A page's items are complete records, and the first page has_more.
  session_page_query q;
  q.tenant = "acme";
  q.limit = 3;
  const auto first = repo.list(q);
  BOOST_TEST(first.has_more);
  BOOST_TEST(first.items.front().created_at == t0);
  BOOST_TEST(first.items.front().revision == 1);
  BOOST_TEST(first.items.front().tenant == "acme");

  q.tenant = "nobody";
  const auto empty = repo.list(q);
  BOOST_TEST(empty.items.empty());
  BOOST_TEST(!empty.has_more);

  q.limit = 0;
  BOOST_CHECK_THROW(repo.list(q), std::invalid_argument);
  q.limit = 1'000'000'000;
  BOOST_CHECK_THROW(repo.list(q), std::invalid_argument);
  q.limit = 3;
  q.has_cursor = true;
  q.after_created_at = "garbage";
  q.after_session_id = random_uuid();
  BOOST_CHECK_THROW(repo.list(q), std::invalid_argument);
}

STORAGE_TEST_CASE(pages_filter_by_user_id) {
  auto db = fresh_database(backend_name);
  session_repository repo{*db.sql};
  std::vector<std::string> alice;
  for (int i = 0; i < 5; ++i) {
    for (const char* user : {"alice", "bob", ""}) {
      auto s = make_session("", i % 2 == 0 ? t0 : t1);
      s.has_user_id = *user != '\0';
      s.user_id = user;
      repo.create(s);
      if (s.user_id == "alice")
        alice.push_back(s.session_id);
    }
  }
  // alice in another tenant does not count
  auto foreign = make_session("elsewhere", t0);
  foreign.has_user_id = true;
  foreign.user_id = "alice";
  repo.create(foreign);

  session_page_query q;
  q.filter_user_id = true;
  q.user_id = "alice";
  q.limit = 2;
  int pages = 0;
  auto ids = walk_pages(repo, q, pages);
  BOOST_TEST(pages == 3);
  std::ranges::sort(ids);
  std::ranges::sort(alice);
  BOOST_TEST(ids == alice, boost::test_tools::per_element());
  for (const auto& s : repo.list(q).items)
    BOOST_TEST(s.user_id == "alice");

  q.user_id = "nobody";
  BOOST_TEST(repo.list(q).items.empty());

  // Without the filter: all 15 of the default tenant.
  q.filter_user_id = false;
  q.limit = 100;
  const auto all = repo.list(q);
  BOOST_TEST(all.items.size() == 15u);
  BOOST_TEST(!all.has_more);
  BOOST_TEST(std::ranges::count_if(all.items, [](const auto& s) {
               return !s.has_user_id;
             }) == 5);
}

BOOST_AUTO_TEST_SUITE_END()
