// Compact version storage (migration 0006): blobs once per digest, zstd
// keyframes and deltas, corrupt data refused, the collector, and the online
// conversion of plain rows; on both backends.

#include <map>
#include <random>
#include <set>
#include <thread>

#include "codec/sha256.hpp"
#include "storage/archive_repository.hpp"
#include "storage/code_blobs.hpp"
#include "storage/code_conversion.hpp"
#include "storage/session_repository.hpp"
#include "storage/transaction.hpp"
#include "storage/zstd_codec.hpp"
#include "tests/storage/site_test_support.hpp"
#include "tests/support/eventually.hpp"

namespace memoryd::storage::test {
namespace {

using namespace sites;

// A page of `lines` lines of HTML-ish text, and edits of a few lines of it.
class page_history {
public:
  explicit page_history(std::size_t lines, unsigned seed = 7) : rng_(seed) {
    for (std::size_t i = 0; i < lines; ++i)
      lines_.push_back(line());
  }

  std::string text() const {
    std::string out;
    for (const auto& l : lines_)
      out += l + "\n";
    return out;
  }

  // The text now and after each of `edits` edits.
  std::vector<std::string> history(std::size_t edits) {
    std::vector<std::string> out{text()};
    for (std::size_t i = 0; i < edits; ++i)
      out.push_back(edit());
    return out;
  }

  // Changes one to three lines, returns the new text.
  std::string edit() {
    const auto n = 1 + rng_() % 3;
    for (unsigned i = 0; i < n; ++i)
      lines_[rng_() % lines_.size()] = line();
    return text();
  }

private:
  std::string line() {
    static const char* words[] = {"agent", "site", "grid", "card", "header",
                                  "portfolio", "button", "deploy", "theme",
                                  "colour", "margin", "padding", "the", "of"};
    std::string l = "  <p class=\"" + std::string{words[rng_() % 14]} + "\">";
    for (int i = 0; i < 10; ++i)
      l += std::string{words[rng_() % 14]} + " ";
    return l + std::to_string(rng_() % 1000) + "</p>";
  }

  std::mt19937 rng_;
  std::vector<std::string> lines_;
};

new_version real_version(std::string code) {
  auto v = version_of(std::move(code));
  v.code_sha256 = codec::sha256_hex(v.code);
  return v;
}

long long scalar(soci::session& sql, const std::string& query) {
  long long n = 0;
  sql << query, soci::into(n);
  return n;
}

long long blob_count(soci::session& sql) {
  return scalar(sql, "SELECT count(*) FROM code_blobs");
}

long long plain_rows(soci::session& sql) {
  return scalar(sql, "SELECT count(*) FROM site_versions WHERE code <> ''");
}

// Blobs whose base's base is a delta: more than three reads.
long long too_deep(soci::session& sql) {
  return scalar(sql, "SELECT count(*) FROM code_blobs d"
                     " JOIN code_blobs i ON i.sha256 = d.base_sha256"
                     " JOIN code_blobs k ON k.sha256 = i.base_sha256"
                     " WHERE k.base_sha256 IS NOT NULL");
}

// Every pass of the collector until one deletes nothing.
std::size_t collect_all(soci::session& sql) {
  std::size_t total = 0;
  for (;;) {
    std::size_t pass = 0;
    std::string after;
    do
      pass += code_blobs::collect_garbage(sql, after, 3);
    while (!after.empty());
    total += pass;
    if (pass == 0)
      return total;
  }
}

// A site holding `codes` as versions 1..n, each with its real digest.
site_record site_with(soci::session& sql,
                      const std::vector<std::string>& codes) {
  site_repository repo{sql};
  auto site = repo.create(draft_site(new_session(sql)),
                          real_version(codes.front()));
  std::vector<new_version> rest;
  for (std::size_t i = 1; i < codes.size(); ++i)
    rest.push_back(real_version(codes[i]));
  // In batches of a few, as the site actor folds them.
  for (std::size_t i = 0; i < rest.size(); i += 5)
    repo.add_versions(site.site_id,
                      {rest.begin() + static_cast<std::ptrdiff_t>(i),
                       rest.begin()
                         + static_cast<std::ptrdiff_t>(
                           std::min(i + 5, rest.size()))});
  return site;
}

void require_history(site_repository& repo, const std::string& site_id,
                     const std::vector<std::string>& codes) {
  for (std::size_t i = 0; i < codes.size(); ++i) {
    auto v = repo.version(site_id, static_cast<int64_t>(i) + 1);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST_REQUIRE(v->code == codes[i], "version " << i + 1 << " differs");
    BOOST_TEST(v->code_sha256 == codec::sha256_hex(codes[i]));
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(code_blobs_suite)

STORAGE_TEST_CASE(a_history_is_stored_once_per_text_compressed_and_read_back) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  page_history page{400};
  std::vector<std::string> codes{page.text()};
  for (int i = 1; i < 120; ++i)
    // Every tenth version restores an older one: the same text again.
    codes.push_back(i % 10 == 0 ? codes[static_cast<std::size_t>(i) / 2]
                                : page.edit());
  const auto site = site_with(sql, codes);
  site_repository repo{sql};
  require_history(repo, site.site_id, codes);
  const auto view = repo.view(site.site_id, 10);
  BOOST_TEST(view->latest.code == codes.back());

  const std::set<std::string> distinct(codes.begin(), codes.end());
  BOOST_TEST(blob_count(sql) == static_cast<long long>(distinct.size()));
  BOOST_TEST(plain_rows(sql) == 0);
  const auto keyframes =
    scalar(sql, "SELECT count(*) FROM code_blobs WHERE base_sha256 IS NULL");
  BOOST_TEST(keyframes >= 1);
  BOOST_TEST(keyframes < static_cast<long long>(distinct.size()) / 4);
  // A delta's base is a keyframe or a keyframe's delta: three reads at most.
  BOOST_TEST(too_deep(sql) == 0);
  long long plain_bytes = 0;
  for (const auto& c : codes)
    plain_bytes += static_cast<long long>(c.size());
  const auto stored = scalar(sql, "SELECT SUM(length(data)) FROM code_blobs");
  BOOST_TEST_MESSAGE(backend_name << ": " << plain_bytes << " bytes of code in "
                                  << stored << " bytes of blobs, "
                                  << keyframes << " keyframes");
  BOOST_TEST(stored * 20 < plain_bytes);
}

STORAGE_TEST_CASE(a_digest_that_is_not_the_codes_keeps_the_code_in_the_row) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  const auto site = new_site(sql);  // version_of: a made-up digest
  site_repository repo{sql};
  repo.add_versions(site.site_id, {version_of("<p>two</p>"),
                                   real_version("<p>three</p>")});
  BOOST_TEST(plain_rows(sql) == 2);
  BOOST_TEST(blob_count(sql) == 1);
  BOOST_TEST(repo.version(site.site_id, 1)->code == "<p>v1</p>");
  BOOST_TEST(repo.version(site.site_id, 2)->code == "<p>two</p>");
  BOOST_TEST(repo.version(site.site_id, 3)->code == "<p>three</p>");
}

STORAGE_TEST_CASE(empty_code_is_a_blob_too) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto site = repo.create(draft_site(new_session(sql)), real_version(""));
  repo.add_versions(site.site_id, {real_version("x"), real_version("")});
  BOOST_TEST(repo.version(site.site_id, 1)->code == "");
  BOOST_TEST(repo.version(site.site_id, 2)->code == "x");
  BOOST_TEST(repo.version(site.site_id, 3)->code == "");
  BOOST_TEST(blob_count(sql) == 2);
}

STORAGE_TEST_CASE(a_corrupt_blob_is_refused_with_a_storage_error) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  page_history page{200};
  const auto codes = page.history(1);
  const auto site = site_with(sql, codes);
  site_repository repo{sql};
  const bool pg = backend_name == std::string_view{"postgresql"};
  // Version 2 is a delta: break its bytes in the middle.
  const auto sha = codec::sha256_hex(codes[1]);
  sql << (pg ? "UPDATE code_blobs SET data = overlay(data placing"
               " '\\xdeadbeef'::bytea from 10 for 4) WHERE sha256 = :sha"
             : "UPDATE code_blobs SET data = CAST(substr(data, 1, 9)"
               " || X'DEADBEEF' || substr(data, 14) AS BLOB)"
               " WHERE sha256 = :sha"),
    soci::use(sha, "sha");
  BOOST_CHECK_THROW(repo.version(site.site_id, 2), corrupt_blob);
  BOOST_TEST(repo.version(site.site_id, 1)->code == codes[0]);
  // A frame that claims another size than the row's is refused before any
  // byte is decoded.
  sql << "UPDATE site_versions SET code_size = code_size + 1"
         " WHERE site_id = :site AND version = 1",
    soci::use(site.site_id, "site");
  BOOST_CHECK_THROW(repo.version(site.site_id, 1), corrupt_blob);
}

STORAGE_TEST_CASE(the_collector_removes_what_nothing_needs_and_keeps_the_rest) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  page_history page{300};
  const auto shared = page.history(30);
  auto own = shared;  // the same start, then 30 texts of its own
  const auto more = page.history(30);
  own.insert(own.end(), more.begin() + 1, more.end());
  const auto keep = site_with(sql, shared);
  const auto drop = site_with(sql, own);
  BOOST_TEST(collect_all(sql) == 0u);
  const auto before = blob_count(sql);

  site_repository repo{sql};
  session_repository sessions{sql};
  BOOST_TEST(sessions.remove(drop.session_id));
  BOOST_TEST(collect_all(sql) == 30u);  // only its own 30
  BOOST_TEST(blob_count(sql) == before - 30);
  require_history(repo, keep.site_id, shared);

  BOOST_TEST(sessions.remove(keep.session_id));
  collect_all(sql);
  BOOST_TEST(blob_count(sql) == 0);
}

STORAGE_TEST_CASE(plain_rows_are_converted_in_batches_and_read_alike) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  page_history page{300};
  // Three sites of plain rows, as every row was before migration 0006.
  std::map<std::string, std::vector<std::string>> history;
  for (int s = 0; s < 3; ++s) {
    const auto site = new_site(sql);
    auto& codes = history[site.site_id];
    codes.push_back("<p>v1</p>");
    for (int i = 2; i <= 12; ++i) {
      codes.push_back(i == 7 ? codes[2] : page.edit());
      const auto sha = codec::sha256_hex(codes.back());
      const auto size = static_cast<long long>(codes.back().size());
      sql << "INSERT INTO site_versions (site_id, version, code, code_size,"
             " code_sha256, created_at) VALUES (:site, :v, :code, :size, :sha,"
             " :t)",
        soci::use(site.site_id, "site"), soci::use(i, "v"),
        soci::use(codes.back(), "code"), soci::use(size, "size"),
        soci::use(sha, "sha"), soci::use(t0, "t");
    }
    sql << "UPDATE sites SET latest_version = 12 WHERE site_id = :site",
      soci::use(site.site_id, "site");
  }
  // Version 1 of each carries a made-up digest (new_site): it stays plain.
  BOOST_TEST(plain_rows(sql) == 36);
  BOOST_TEST(count_plain_versions(sql) == 36);
  site_repository repo{sql};
  conversion_cursor cursor;
  std::size_t converted = 0;
  std::size_t left = 0;
  for (;;) {
    auto batch = convert_plain_versions(sql, cursor, 5);
    converted += batch.converted;
    left += batch.left_plain;
    for (const auto& [site_id, codes] : history)
      for (std::size_t i = 1; i < codes.size(); ++i)
        BOOST_TEST_REQUIRE(
          repo.version(site_id, static_cast<int64_t>(i) + 1)->code
          == codes[i]);
    if (batch.read < 5)
      break;
  }
  BOOST_TEST(converted == 33u);
  BOOST_TEST(left == 3u);
  BOOST_TEST(plain_rows(sql) == 3);
  // Idempotent: a second pass converts nothing.
  conversion_cursor again;
  BOOST_TEST(convert_plain_versions(sql, again, 100).converted == 0u);
  // New versions continue the converted chains.
  for (const auto& [site_id, codes] : history) {
    const auto next = page.edit();
    repo.add_versions(site_id, {real_version(next)});
    BOOST_TEST(repo.version(site_id, 13)->code == next);
  }
  BOOST_TEST(too_deep(sql) == 0);
}

STORAGE_TEST_CASE(an_import_stores_blobs_and_an_export_gives_full_code) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  page_history page{200};
  const auto codes = page.history(8);
  session_archive archive;
  archive.session = make_session();
  archive.has_sites = true;
  site_archive site;
  site.site = draft_site(archive.session.session_id);
  site.site.updated_at = t0;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    version_record v;
    v.site_id = site.site.site_id;
    v.version = static_cast<int64_t>(i) + 1;
    v.has_code = true;
    v.code = codes[i];
    v.code_size = static_cast<int64_t>(codes[i].size());
    v.code_sha256 = codec::sha256_hex(codes[i]);
    v.created_at = t0;
    site.versions.push_back(v);
  }
  site.site.latest_version = static_cast<int64_t>(codes.size());
  archive.sites.push_back(site);
  archive_repository repo{sql};
  repo.write(archive);
  BOOST_TEST(plain_rows(sql) == 0);
  BOOST_TEST(blob_count(sql) == static_cast<long long>(codes.size()));
  auto back = repo.read(archive.session.session_id, true);
  BOOST_TEST_REQUIRE(back->sites.size() == 1u);
  BOOST_TEST_REQUIRE(back->sites[0].versions.size() == codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i)
    BOOST_TEST(back->sites[0].versions[i].code == codes[i]);
}

// PostgreSQL, READ COMMITTED: a writer that reuses a blob the collector
// would delete holds it until its commit, and the collector passes over it.
BOOST_AUTO_TEST_CASE(the_collector_passes_over_a_blob_a_writer_holds) {
  auto db = fresh_database("postgresql");
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto gone = repo.create(draft_site(new_session(sql)),
                                real_version("<p>again</p>"));
  BOOST_TEST(session_repository{sql}.remove(gone.session_id));
  BOOST_TEST(blob_count(sql) == 1);  // garbage now

  auto other = db.connect();
  const auto site = new_site(sql);
  const auto again = real_version("<p>again</p>");
  {
    write_transaction tx{sql};
    auto plan = code_blobs::encode(sql, site.site_id, 0,
                                   {{again.code, again.code_sha256}});
    BOOST_TEST(plan.front().reuse);
    code_blobs::store(sql, plan);  // holds it from here
    BOOST_TEST(collect_all(*other) == 0u);
    repo.add_versions(site.site_id, {again});
    tx.commit();
  }
  BOOST_TEST(collect_all(*other) == 0u);
  BOOST_TEST(repo.version(site.site_id, 2)->code == "<p>again</p>");
}

// A writer queued behind a site's row lock holds nothing that writers of
// other sites wait for, even when they store the same text: it takes the
// row lock before it inserts any blob.
BOOST_AUTO_TEST_CASE(a_writer_queued_on_a_site_lock_holds_up_no_other_site) {
  using namespace std::chrono_literals;
  auto db = fresh_database("postgresql");
  auto& sql = *db.sql;
  const auto locked = new_site(sql);
  const auto free = new_site(sql);
  const auto same = real_version("<p>one text for both sites</p>");

  auto holder = db.connect();
  *holder << "BEGIN";
  *holder << "SELECT 1 FROM sites WHERE site_id = '" << locked.site_id
          << "' FOR UPDATE";
  std::thread queued{[&] {
    auto own = db.connect();
    site_repository{*own}.add_versions(locked.site_id, {same});
  }};
  // Until that writer waits on the row lock.
  BOOST_TEST_REQUIRE(memoryd::test::eventually(10s, [&] {
    long long waiting = 0;
    sql << "SELECT count(*) FROM pg_stat_activity WHERE datname = "
           "current_database() AND wait_event_type = 'Lock'",
      soci::into(waiting);
    return waiting == 1;
  }));
  auto other = db.connect();
  *other << "SET lock_timeout = '2s'";
  BOOST_CHECK_NO_THROW(site_repository{*other}.add_versions(free.site_id, {same}));
  *holder << "ROLLBACK";
  queued.join();

  site_repository repo{sql};
  for (const auto* site : {&locked, &free}) {
    const auto v = repo.version(site->site_id, 2);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(v->code == same.code);
  }
}

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

BOOST_AUTO_TEST_CASE(zstd_decoding_is_bounded_by_the_size_it_must_produce) {
  page_history page{100};
  const auto text = page.text();
  const auto next = page.edit();
  const auto keyframe = zstd_codec::compress(text);
  const auto delta = zstd_codec::compress_against(next, text);
  BOOST_TEST(delta.size() * 10 < keyframe.size());
  BOOST_TEST(zstd_codec::decompress(keyframe, text.size()) == text);
  BOOST_TEST(zstd_codec::decompress(delta, next.size(), text) == next);
  BOOST_CHECK_THROW(zstd_codec::decompress(keyframe, text.size() - 1),
                    corrupt_blob);
  BOOST_CHECK_THROW(zstd_codec::decompress(keyframe, text.size() + 1),
                    corrupt_blob);
  BOOST_CHECK_THROW(zstd_codec::decompress(keyframe.substr(0, 40), text.size()),
                    corrupt_blob);
  BOOST_CHECK_THROW(zstd_codec::decompress(delta, next.size(), next),
                    corrupt_blob);
  BOOST_CHECK_THROW(zstd_codec::decompress("not zstd at all", 5), corrupt_blob);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::storage::test
