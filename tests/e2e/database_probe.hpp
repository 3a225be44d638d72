#pragma once

// Direct access to a daemon's database for the tests of what the API cannot
// set up or show: sessions last updated long ago, past cleanup runs, and
// whether rows are really gone.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace memoryd::storage {
class write_transaction;
}

namespace memoryd::test {

using wall_time = std::chrono::system_clock::time_point;

/// A row of cleanup_runs.
struct run_row {
  long long run_id = 0;
  std::string outcome;
  long long deleted_sessions = 0;
  long long deleted_sites = 0;
  bool dry_run = false;
  std::string runner;
};

class database_probe {
public:
  /// Opens the database and applies the migrations, so that rows can be
  /// planted before a daemon first starts on it.
  explicit database_probe(const std::string& database_url);
  ~database_probe();

  /// Inserts `count` sessions with user_id `tag`, last updated at
  /// `updated_at`, each with a site at version 2 (two versions) when
  /// `with_sites`, in one transaction. Returns their ids.
  std::vector<std::string> plant_sessions(std::string_view tag,
                                          std::size_t count, wall_time updated_at,
                                          bool with_sites = true);

  /// Sessions with user_id `tag` still there.
  long long sessions_tagged(std::string_view tag);

  void set_updated_at(const std::string& session_id, wall_time t);

  /// Makes every idempotency key look created at `t`.
  void age_idempotency_keys(wall_time t);

  /// Makes every change feed event look created at `t`.
  void age_events(wall_time t);

  /// Rewrites every key's stored result as a memoryd before layout
  /// fingerprints wrote it (the serialized result alone).
  void strip_result_layouts();

  /// A finished run of outcome `outcome` in cleanup_runs.
  void plant_run(std::string_view outcome, wall_time started_at,
                 wall_time finished_at);

  /// Every cleanup run, oldest first.
  std::vector<run_row> runs();

  /// A session with one site whose versions 1..n hold `codes` as every
  /// row did before migration 0006: the code in the row (with its real
  /// SHA-256). Returns the site's id.
  std::string plant_plain_site(const std::vector<std::string>& codes);

  /// The one number `query` returns (a count).
  long long scalar(const std::string& query);

  /// SELECT count(*) FROM <table> WHERE <column> = :value
  long long count_where(std::string_view table, std::string_view column,
                        const std::string& value);

  /// Holds back the daemon's version writes until release_version_writes():
  /// a transaction that holds PostgreSQL's SHARE lock on site_versions
  /// (an insert waits for it) or SQLite's write lock.
  void hold_version_writes();
  void release_version_writes();

private:
  std::unique_ptr<soci::session> sql_;
  std::unique_ptr<storage::write_transaction> held_;
};

} // namespace memoryd::test
