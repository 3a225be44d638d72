// Compact version storage (migration 0006): blobs once per digest, zstd
// keyframes and deltas, corrupt data refused, the collector, and the online
// conversion of plain rows; on both backends.

#include <map>
#include <set>
#include <thread>

#include "codec/sha256.hpp"
#include "storage/archive_repository.hpp"
#include "storage/code_blobs.hpp"
#include "storage/code_conversion.hpp"
#include "storage/session_repository.hpp"
#include "storage/transaction.hpp"
#include "storage/zstd_codec.hpp"
#include "tests/storage/code_blobs_test_support.hpp"
#include "tests/support/eventually.hpp"

namespace memoryd::storage::test {

using namespace blobs;
using namespace sites;

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

// A text the writer takes as stored (here: it ends the chain this thread
// remembers for the site) whose blob has gone meanwhile is stored again by
// the write. Only SQL behind memoryd's back removes a blob a version still
// needs: here the version is made plain, with another digest, first.
STORAGE_TEST_CASE(a_reused_text_whose_blob_went_meanwhile_is_stored_again) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto text = real_version("<p>stored, removed, stored again</p>");
  const auto site = repo.create(draft_site(new_session(sql)), text);
  sql << "UPDATE site_versions SET code = :code, code_sha256 = :other"
         " WHERE site_id = :site",
    soci::use(text.code, "code"), soci::use(some_sha256, "other"),
    soci::use(site.site_id, "site");
  auto other = db.connect();
  BOOST_TEST(collect_all(*other) == 1u);
  BOOST_TEST(blob_count(sql) == 0);

  const auto plan = code_blobs::encode(sql, site.site_id, 0,
                                       {{text.code, text.code_sha256}});
  BOOST_TEST(plan.front().reuse);
  repo.add_versions(site.site_id, {text});
  BOOST_TEST(blob_count(sql) == 1);
  BOOST_TEST(plain_rows(sql) == 1);  // version 1
  BOOST_TEST(repo.version(site.site_id, 2)->code == text.code);
}

// PostgreSQL: a version that reuses a blob locks it in its own statement
// (version_insert::add_one_postgresql); the collector passes over the blob
// until the commit. The writer looks the text up once for the site, and
// not again when the next version repeats it.
BOOST_AUTO_TEST_CASE(a_version_reusing_a_blob_holds_it_in_its_own_statement) {
  auto db = fresh_database("postgresql");
  auto& sql = *db.sql;
  site_repository repo{sql};
  const auto again = real_version("<p>reused</p>");
  const auto gone = repo.create(draft_site(new_session(sql)), again);
  BOOST_TEST(session_repository{sql}.remove(gone.session_id));
  const auto site = new_site(sql);  // plain: no blob, no chain

  // Statements of this transaction that read code_blobs.
  const auto blob_reads = [&] {
    return scalar(sql, "SELECT seq_scan + COALESCE(idx_scan, 0)"
                       " FROM pg_stat_xact_user_tables"
                       " WHERE relname = 'code_blobs'");
  };
  auto other = db.connect();
  {
    write_transaction tx{sql};
    const auto before = blob_reads();
    repo.add_versions(site.site_id, {again});
    const auto first = blob_reads() - before;
    repo.add_versions(site.site_id, {again});
    const auto second = blob_reads() - before - first;
    BOOST_TEST(first == 2);   // looked up, then held
    BOOST_TEST(second == 1);  // held
    BOOST_TEST(collect_all(*other) == 0u);
    tx.commit();
  }
  BOOST_TEST(scalar(sql, "SELECT count(*) FROM pg_prepared_statements"
                         " WHERE name = 'memoryd_blob_exists_locked'")
             == 0);
  BOOST_TEST(collect_all(*other) == 0u);
  BOOST_TEST(repo.version(site.site_id, 2)->code == again.code);
  BOOST_TEST(repo.version(site.site_id, 3)->code == again.code);
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

// PostgreSQL: two sites from one template store the same new text as a
// delta of their shared keyframe. The second writer's one-statement
// look-up-or-insert meets the first's uncommitted blob, waits for it, and
// on its commit finds and keeps that blob rather than failing or storing a
// second one.
BOOST_AUTO_TEST_CASE(a_delta_another_writer_stores_meanwhile_is_shared) {
  using namespace std::chrono_literals;
  auto db = fresh_database("postgresql");
  auto& sql = *db.sql;
  site_repository repo{sql};
  page_history page{200};
  const auto start = real_version(page.text());
  const auto a = repo.create(draft_site(new_session(sql)), start);
  const auto b = repo.create(draft_site(new_session(sql)), start);
  const auto edited = real_version(page.edit());

  auto first = db.connect();
  bool waited = false;
  {
    write_transaction tx{*first};
    site_repository{*first}.add_versions(b.site_id, {edited});
    std::thread second{[&] {
      auto own = db.connect();
      site_repository{*own}.add_versions(a.site_id, {edited});
    }};
    // Until the second waits on the first's blob.
    waited = memoryd::test::eventually(10s, [&] {
      long long waiting = 0;
      sql << "SELECT count(*) FROM pg_stat_activity WHERE datname = "
             "current_database() AND wait_event_type = 'Lock'",
        soci::into(waiting);
      return waiting == 1;
    });
    tx.commit();
    second.join();
  }
  BOOST_TEST(waited);

  for (const auto* site : {&a, &b})
    BOOST_TEST(repo.version(site->site_id, 2)->code == edited.code);
  BOOST_TEST(scalar(sql, "SELECT count(*) FROM code_blobs WHERE sha256 = '"
                           + edited.code_sha256
                           + "' AND base_sha256 IS NOT NULL")
             == 1);
  BOOST_TEST(blob_count(sql) == 2);  // the keyframe and the delta
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
