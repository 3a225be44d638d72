#include "tests/e2e/database_probe.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <soci/soci.h>

#include "codec/sha256.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"
#include "tests/support/sql_probe.hpp"

namespace memoryd::test {

namespace {

std::vector<std::string> new_ids(std::size_t n) {
  boost::uuids::random_generator generate;
  std::vector<std::string> ids;
  ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    ids.push_back(boost::uuids::to_string(generate()));
  return ids;
}

} // namespace

database_probe::database_probe(const std::string& database_url)
  : sql_(storage::open_database(storage::parse_database_url(database_url))) {
  storage::migrate(*sql_);
}

database_probe::~database_probe() = default;

std::vector<std::string>
database_probe::plant_sessions(std::string_view tag, std::size_t count,
                               wall_time updated_at, bool with_sites) {
  auto& sql = *sql_;
  const auto ids = new_ids(count);
  const auto site_ids = new_ids(count);
  // Bulk binds (one prepared statement run for every row), which SOCI
  // does not mix with single values.
  const std::vector<std::string> user(count, std::string{tag});
  const std::vector<std::string> t(count, storage::format_timestamp(updated_at));
  storage::write_transaction tx{sql};
  sql << "INSERT INTO sessions (session_id, tenant, user_id, state, revision,"
         " created_at, updated_at) VALUES (:id, '', :user, '{}', 1, :t, :t)",
    soci::use(ids, "id"), soci::use(user, "user"), soci::use(t, "t");
  sql << "INSERT INTO user_preferences (session_id, preferences, updated_at)"
         " VALUES (:id, '{}', :t)",
    soci::use(ids, "id"), soci::use(t, "t");
  if (with_sites) {
    sql << "INSERT INTO sites (site_id, session_id, name, latest_version,"
           " created_at, updated_at) VALUES (:site, :id, 'planted', 2, :t, :t)",
      soci::use(site_ids, "site"), soci::use(ids, "id"), soci::use(t, "t");
    for (const char* version : {"1", "2"})
      sql << "INSERT INTO site_versions (site_id, version, code, code_size,"
             " code_sha256, created_at) VALUES (:site, "
          << version << ", '<p>planted</p>', 14, 'planted', :t)",
        soci::use(site_ids, "site"), soci::use(t, "t");
  }
  tx.commit();
  return ids;
}

long long database_probe::sessions_tagged(std::string_view tag) {
  return count_where("sessions", "user_id", std::string{tag});
}

void database_probe::set_updated_at(const std::string& session_id, wall_time t) {
  const auto at = storage::format_timestamp(t);
  *sql_ << "UPDATE sessions SET updated_at = :t WHERE session_id = :id",
    soci::use(at, "t"), soci::use(session_id, "id");
}

void database_probe::age_idempotency_keys(wall_time t) {
  const auto at = storage::format_timestamp(t);
  *sql_ << "UPDATE idempotency_keys SET created_at = :t", soci::use(at, "t");
}

void database_probe::age_events(wall_time t) {
  const auto at = storage::format_timestamp(t);
  *sql_ << "UPDATE events SET created_at = :t", soci::use(at, "t");
}

void database_probe::strip_result_layouts() {
  // "<16 hex digits>:<base64>" -> "<base64>"
  *sql_ << "UPDATE idempotency_keys SET result = substr(result, 18)";
}

void database_probe::plant_run(std::string_view outcome, wall_time started_at,
                               wall_time finished_at) {
  const std::string what{outcome};
  const auto started = storage::format_timestamp(started_at);
  const auto finished = storage::format_timestamp(finished_at);
  *sql_ << "INSERT INTO cleanup_runs (started_at, finished_at, cutoff, outcome,"
           " deleted_sessions, dry_run, runner)"
           " VALUES (:started, :finished, :started, :outcome, 0, false, 'planted')",
    soci::use(started, "started"), soci::use(finished, "finished"),
    soci::use(what, "outcome");
}

std::vector<run_row> database_probe::runs() {
  constexpr std::size_t most = 100;
  std::vector<long long> ids(most), deleted(most), sites(most), dry(most);
  std::vector<std::string> outcomes(most), runners(most);
  *sql_ << "SELECT run_id, outcome, deleted_sessions, deleted_sites,"
           " CASE WHEN dry_run THEN 1 ELSE 0 END, COALESCE(runner, '')"
           " FROM cleanup_runs ORDER BY run_id",
    soci::into(ids), soci::into(outcomes), soci::into(deleted),
    soci::into(sites), soci::into(dry), soci::into(runners);
  std::vector<run_row> out;
  for (std::size_t i = 0; i < ids.size(); ++i)
    out.push_back({ids[i], outcomes[i], deleted[i], sites[i], dry[i] != 0,
                   runners[i]});
  return out;
}

std::string database_probe::plant_plain_site(
  const std::vector<std::string>& codes) {
  auto& sql = *sql_;
  const auto ids = new_ids(2);
  const auto t = storage::now_timestamp();
  const auto n = static_cast<long long>(codes.size());
  storage::write_transaction tx{sql};
  sql << "INSERT INTO sessions (session_id, tenant, user_id, state, revision,"
         " created_at, updated_at) VALUES (:id, '', 'plain', '{}', 1, :t, :t)",
    soci::use(ids[0], "id"), soci::use(t, "t");
  sql << "INSERT INTO sites (site_id, session_id, name, latest_version,"
         " created_at, updated_at) VALUES (:site, :id, 'plain', :n, :t, :t)",
    soci::use(ids[1], "site"), soci::use(ids[0], "id"), soci::use(n, "n"),
    soci::use(t, "t");
  for (long long v = 1; v <= n; ++v) {
    const auto& code = codes[static_cast<std::size_t>(v - 1)];
    const auto sha = codec::sha256_hex(code);
    const auto size = static_cast<long long>(code.size());
    sql << "INSERT INTO site_versions (site_id, version, code, code_size,"
           " code_sha256, created_at) VALUES (:site, :v, :code, :size, :sha,"
           " :t)",
      soci::use(ids[1], "site"), soci::use(v, "v"), soci::use(code, "code"),
      soci::use(size, "size"), soci::use(sha, "sha"), soci::use(t, "t");
  }
  tx.commit();
  return ids[1];
}

long long database_probe::scalar(const std::string& query) {
  long long n = 0;
  *sql_ << query, soci::into(n);
  return n;
}

long long database_probe::count_where(std::string_view table,
                                      std::string_view column,
                                      const std::string& value) {
  return test::count_where(*sql_, table, column, value);
}

void database_probe::hold_version_writes() {
  held_ = std::make_unique<storage::write_transaction>(*sql_);
  if (sql_->get_backend_name() == "postgresql")
    *sql_ << "LOCK TABLE site_versions IN SHARE MODE";
}

void database_probe::release_version_writes() {
  held_.reset();  // rolls back: it wrote nothing
}

} // namespace memoryd::test
