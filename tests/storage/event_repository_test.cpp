// The change feed's table on both backends: order, tenant scope, pages,
// the retention horizon; and on PostgreSQL the visibility rule that keeps a
// transaction committing late from landing below a cursor already read.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/event_repository.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

namespace {

event_record event_of(const std::string& tenant, const std::string& type) {
  event_record e;
  e.tenant = tenant;
  e.type = type;
  e.session_id = random_uuid();
  e.agent = "a";
  return e;
}

void append(soci::session& sql, const event_record& e) {
  write_transaction tx{sql};
  event_repository{sql}.append(e);
  tx.commit();
}

/// Waits until every committed event is readable. On PostgreSQL a reader
/// sees only events below the oldest running transaction id, which is
/// cluster-wide: a test running beside this one in another database may
/// hold it back for a moment. SQLite has no such horizon.
void await_visible(soci::session& sql) {
  if (sql.get_backend_name() != "postgresql")
    return;
  const auto deadline
    = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  for (;;) {
    long long hidden = 0;
    sql << "SELECT count(*) FROM events"
           " WHERE txid >= pg_snapshot_xmin(pg_current_snapshot())",
      soci::into(hidden);
    if (hidden == 0 || std::chrono::steady_clock::now() > deadline)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

std::vector<std::string> types(const event_page& page) {
  std::vector<std::string> out;
  for (const auto& e : page.items)
    out.push_back(e.type);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(event_repository_cases)

STORAGE_TEST_CASE(pages_are_ordered_and_per_tenant) {
  auto db = fresh_database(backend_name);
  event_repository repo{*db.sql};
  for (const char* t : {"a1", "a2", "a3"}) {
    append(*db.sql, event_of("acme", t));
    append(*db.sql, event_of("zeta", std::string{"z"} + t));
  }
  await_visible(*db.sql);
  auto first = repo.after("acme", {}, true, 2);
  BOOST_TEST(types(first) == (std::vector<std::string>{"a1", "a2"}),
             boost::test_tools::per_element());
  BOOST_TEST(first.items[0].agent == "a");
  BOOST_TEST((first.next == first.items[1].position));
  auto rest = repo.after("acme", first.next, false, 10);
  BOOST_TEST(types(rest) == std::vector<std::string>{"a3"},
             boost::test_tools::per_element());
  auto none = repo.after("acme", rest.next, false, 10);
  BOOST_TEST(none.items.empty());
  BOOST_TEST((none.next == rest.next));
  BOOST_TEST(repo.after("other", {}, true, 10).items.empty());
  BOOST_TEST((rest.next < repo.latest() || rest.next == repo.latest()));
}

STORAGE_TEST_CASE(prune_moves_the_horizon_and_older_cursors_are_gone) {
  auto db = fresh_database(backend_name);
  event_repository repo{*db.sql};
  append(*db.sql, event_of("acme", "old1"));
  append(*db.sql, event_of("acme", "old2"));
  await_visible(*db.sql);
  const auto before = repo.after("acme", {}, true, 10);
  BOOST_TEST_REQUIRE(before.items.size() == 2u);
  *db.sql << "UPDATE events SET created_at = '2020-01-01T00:00:00.000000Z'";
  append(*db.sql, event_of("acme", "new"));
  await_visible(*db.sql);
  // Batches of one, as the cleanup drains them.
  BOOST_TEST(repo.prune("2021-01-01T00:00:00.000000Z", 1) == 1u);
  BOOST_TEST(repo.prune("2021-01-01T00:00:00.000000Z", 1) == 1u);
  BOOST_TEST(repo.prune("2021-01-01T00:00:00.000000Z", 1) == 0u);
  BOOST_TEST((repo.horizon() == before.items[1].position));
  auto gone = repo.after("acme", before.items[0].position, false, 10);
  BOOST_TEST(gone.gone);
  BOOST_TEST(gone.items.empty());
  BOOST_TEST((gone.horizon == before.items[1].position));
  auto at_horizon = repo.after("acme", gone.horizon, false, 10);
  BOOST_TEST(types(at_horizon) == std::vector<std::string>{"new"},
             boost::test_tools::per_element());
  BOOST_TEST(types(repo.after("acme", {}, true, 10))
               == std::vector<std::string>{"new"},
             boost::test_tools::per_element());
}

// T1 appends first (the lower event_id) but commits after T2: a reader
// between the two commits must return neither, or it would hand out T2's
// cursor and then never see T1's event.
BOOST_AUTO_TEST_CASE(a_late_commit_never_lands_below_a_cursor) {
  auto db = fresh_database("postgresql");
  auto t1 = db.connect();
  auto t2 = db.connect();
  *t1 << "BEGIN";
  event_repository{*t1}.append(event_of("acme", "first-appended"));
  *t2 << "BEGIN";
  event_repository{*t2}.append(event_of("acme", "first-committed"));
  *t2 << "COMMIT";
  event_repository reader{*db.sql};
  auto page = reader.after("acme", {}, true, 10);
  BOOST_TEST(page.items.empty());
  BOOST_TEST((reader.latest() == event_position{}));
  *t1 << "COMMIT";
  await_visible(*db.sql);
  page = reader.after("acme", {}, true, 10);
  BOOST_TEST(types(page) == (std::vector<std::string>{"first-appended",
                                                      "first-committed"}),
             boost::test_tools::per_element());
  BOOST_TEST((reader.latest() == page.items.back().position));
}

// T1 takes its transaction id first (as a client's Idempotency-Key claim
// does before it waits for the site's row lock), but writes to the site
// after T2 committed there: the site's events stay in the order written.
BOOST_AUTO_TEST_CASE(events_of_one_site_keep_the_order_written) {
  auto db = fresh_database("postgresql");
  const auto site = random_uuid();
  auto of_site = [&](const std::string& type) {
    auto e = event_of("acme", type);
    e.site_id = site;
    return e;
  };
  auto t1 = db.connect();
  auto t2 = db.connect();
  *t1 << "BEGIN";
  event_repository{*t1}.append(event_of("acme", "t1-elsewhere"));
  *t2 << "BEGIN";
  event_repository{*t2}.append(of_site("second-txid-first-write"));
  *t2 << "COMMIT";
  event_repository{*t1}.append(of_site("first-txid-second-write"));
  *t1 << "COMMIT";
  await_visible(*db.sql);
  auto page = event_repository{*db.sql}.after("acme", {}, true, 10);
  std::vector<std::string> on_site;
  for (const auto& e : page.items)
    if (e.site_id == site)
      on_site.push_back(e.type);
  BOOST_TEST(on_site == (std::vector<std::string>{"second-txid-first-write",
                                                  "first-txid-second-write"}),
             boost::test_tools::per_element());
}

// Positions compare as numbers: txid 10 comes after txid 9 (as text it
// would not), in pages, in latest() and in the horizon.
BOOST_AUTO_TEST_CASE(txids_order_as_numbers) {
  auto db = fresh_database("postgresql");
  for (const char* txid : {"10", "9"})
    *db.sql << "INSERT INTO events (txid, tenant, type, session_id, created_at)"
               " VALUES (CAST(:t AS xid8), 'acme', 't' || :t,"
               " gen_random_uuid(), now())",
      soci::use(std::string{txid}, "t");
  event_repository repo{*db.sql};
  auto page = repo.after("acme", {}, true, 1);
  BOOST_TEST(types(page) == std::vector<std::string>{"t9"},
             boost::test_tools::per_element());
  page = repo.after("acme", page.next, false, 10);
  BOOST_TEST(types(page) == std::vector<std::string>{"t10"},
             boost::test_tools::per_element());
  BOOST_TEST(repo.latest().txid == 10u);
  *db.sql << "UPDATE events SET created_at = '2020-01-01T00:00:00Z'";
  BOOST_TEST(repo.prune("2021-01-01T00:00:00.000000Z", 1) == 1u);
  BOOST_TEST(repo.horizon().txid == 9u);
  BOOST_TEST(repo.after("acme", {}, true, 10).items.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
