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

  /// Rewrites every key's stored result as a memoryd before layout
  /// fingerprints wrote it (the serialized result alone).
  void strip_result_layouts();

  /// A finished run of outcome `outcome` in cleanup_runs.
  void plant_run(std::string_view outcome, wall_time started_at,
                 wall_time finished_at);

  /// Every cleanup run, oldest first.
  std::vector<run_row> runs();

  /// SELECT count(*) FROM <table> WHERE <column> = :value
  long long count_where(std::string_view table, std::string_view column,
                        const std::string& value);

private:
  std::unique_ptr<soci::session> sql_;
};

} // namespace memoryd::test
