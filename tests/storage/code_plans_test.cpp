// Blob plans made ahead of a write (code_blobs::prepare) and chains a
// storage worker remembers: aged, stale, gone or rolled back, the write
// still stores every text right; on both backends.

#include <set>
#include <thread>

#include "storage/session_repository.hpp"
#include "storage/transaction.hpp"
#include "tests/storage/code_blobs_test_support.hpp"

namespace memoryd::storage::test {

using namespace blobs;
using namespace sites;

BOOST_AUTO_TEST_SUITE(code_plans_suite)

// The storage worker plans a write's blobs ahead, outside its transaction
// (code_blobs::prepare), and the write takes that plan. By then the plan
// may have aged: a blob it reuses collected, its site's chain moved on.
// The write still stores every text right.
STORAGE_TEST_CASE(a_plan_made_ahead_may_age_and_the_write_stays_right) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  auto other = db.connect();
  site_repository repo{sql};
  page_history page{200};
  auto codes = page.history(6);
  const auto site = site_with(sql, codes);

  // A reused blob goes between the plan and the write.
  const auto gone = repo.create(draft_site(new_session(sql)),
                                real_version("<p>collected</p>"));
  BOOST_TEST(session_repository{sql}.remove(gone.session_id));
  const auto collected = real_version("<p>collected</p>");
  code_blobs::prepare(sql, {{site.site_id,
                             {{collected.code, collected.code_sha256}}}});
  BOOST_TEST(collect_all(*other) == 1u);
  repo.add_versions(site.site_id, {collected});
  codes.push_back(collected.code);

  // Another writer extends the chain between the plan and the write.
  const auto planned = real_version(page.edit());
  code_blobs::prepare(sql, {{site.site_id,
                             {{planned.code, planned.code_sha256}}}});
  const auto meanwhile = real_version(page.edit());
  site_repository{*other}.add_versions(site.site_id, {meanwhile});
  codes.push_back(meanwhile.code);
  repo.add_versions(site.site_id, {planned});
  codes.push_back(planned.code);

  require_history(repo, site.site_id, codes);
  BOOST_TEST(too_deep(sql) == 0);
  BOOST_TEST(plain_rows(sql) == 0);
  BOOST_TEST(collect_all(sql) == 0u);
}

// A folded write prepares the codes of all its sites at once; each site's
// write takes its own plan, whatever the order, and none takes another's.
STORAGE_TEST_CASE(plans_made_ahead_for_several_sites_serve_each_its_own) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  page_history first_page{200};
  page_history second_page{200, 7};
  auto first_codes = first_page.history(2);
  auto second_codes = second_page.history(2);
  const auto first = site_with(sql, first_codes);
  const auto second = site_with(sql, second_codes);
  const auto first_next = real_version(first_page.edit());
  const auto second_next = real_version(second_page.edit());
  code_blobs::prepare(
    sql, {{first.site_id, {{first_next.code, first_next.code_sha256}}},
          {second.site_id, {{second_next.code, second_next.code_sha256}}}});
  repo.add_versions(second.site_id, {second_next});
  repo.add_versions(first.site_id, {first_next});
  first_codes.push_back(first_next.code);
  second_codes.push_back(second_next.code);

  require_history(repo, first.site_id, first_codes);
  require_history(repo, second.site_id, second_codes);
  BOOST_TEST(too_deep(sql) == 0);
  BOOST_TEST(plain_rows(sql) == 0);
}

// A storage worker remembers the chain it extended last per site and
// continues it without reading (code_blobs.cpp, known_chains). Another
// worker (its own thread, its own memory) or daemon may have written to the
// site since, even the same text: the next write is still stored right.
STORAGE_TEST_CASE(a_chain_remembered_by_a_worker_may_be_stale) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  page_history page{200};
  auto codes = page.history(3);
  const auto site = site_with(sql, codes);  // remembered on this thread

  std::vector<std::string> elsewhere;
  for (int i = 0; i < 12; ++i)
    elsewhere.push_back(page.edit());
  elsewhere.push_back(codes.back());  // a text this thread wrote last
  std::thread other_worker{[&] {
    auto other = db.connect();
    site_repository other_repo{*other};
    for (const auto& code : elsewhere)
      other_repo.add_versions(site.site_id, {real_version(code)});
  }};
  other_worker.join();
  codes.insert(codes.end(), elsewhere.begin(), elsewhere.end());

  const auto next = page.edit();
  repo.add_versions(site.site_id, {real_version(next)});
  codes.push_back(next);
  repo.add_versions(site.site_id, {real_version(codes[5])});  // a restore
  codes.push_back(codes[5]);

  require_history(repo, site.site_id, codes);
  const std::set<std::string> distinct(codes.begin(), codes.end());
  BOOST_TEST(blob_count(sql) == static_cast<long long>(distinct.size()));
  BOOST_TEST(too_deep(sql) == 0);
  BOOST_TEST(plain_rows(sql) == 0);
}

// A plan made ahead for codes whose write then failed before it encoded
// them stays behind; the next write's codes may sit in the same memory by
// then. That plan is not taken for them (it would store their digest with
// the other text's frame).
STORAGE_TEST_CASE(a_plan_made_for_codes_since_gone_is_not_taken_for_others) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto site = site_with(sql, {"<p>w0-0</p>"});
  const auto failed = real_version("<p>w1-10</p>");
  const auto next = real_version("<p>w2-30</p>");
  // One buffer for both, as a freed message's memory reused by the next.
  std::string code = failed.code;
  std::string sha256 = failed.code_sha256;
  code_blobs::prepare(sql, {{site.site_id, {{code, sha256}}}});
  code = next.code;  // the same length: the same bytes of memory
  sha256 = next.code_sha256;
  repo.add_versions(site.site_id, {next});
  require_history(repo, site.site_id, {"<p>w0-0</p>", next.code});
}

// A write that rolled back leaves its chain remembered, ending in a blob
// that was never stored. The next write, a delta of that blob, is stored
// as a keyframe; the one after it is a delta again (the worker forgot).
STORAGE_TEST_CASE(a_chain_remembered_from_a_rolled_back_write_heals) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  page_history page{200};
  auto codes = page.history(1);
  const auto site = site_with(sql, codes);
  page_history other{200, 99};  // unrelated to the site's text: a keyframe
  {
    write_transaction tx{sql};
    repo.add_versions(site.site_id, {real_version(other.text())});
  }  // rolled back
  const auto first = real_version(other.edit());
  const auto second = real_version(other.edit());
  repo.add_versions(site.site_id, {first});
  repo.add_versions(site.site_id, {second});
  codes.push_back(first.code);
  codes.push_back(second.code);
  require_history(repo, site.site_id, codes);
  std::string base;
  soci::indicator flag = soci::i_null;
  sql << "SELECT base_sha256 FROM code_blobs WHERE sha256 = :sha",
    soci::use(second.code_sha256, "sha"), soci::into(base, flag);
  BOOST_TEST_REQUIRE((flag == soci::i_ok), "the version after is a keyframe");
  BOOST_TEST(base == first.code_sha256);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::storage::test
