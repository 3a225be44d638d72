#include "storage/dialect.hpp"

#include <charconv>
#include <stdexcept>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "storage/timestamp.hpp"

namespace memoryd::storage::dialect {

namespace {

// -- SQL ---------------------------------------------------------------------

constexpr const char* sqlite_begin_write = "BEGIN IMMEDIATE";
constexpr const char* postgresql_begin_write = "BEGIN";
constexpr const char* sqlite_begin_read = "BEGIN";
constexpr const char* postgresql_begin_read =
  "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
constexpr const char* postgresql_key_share_lock = " FOR KEY SHARE";

// WAL lets readers proceed while one writer commits; FULL syncs the WAL on
// every commit, so a 2xx is never lost to a power cut. SQLite enforces
// foreign keys (and so the cascades) only when asked, per connection.
constexpr const char* sqlite_journal_mode = "PRAGMA journal_mode=WAL";
constexpr const char* sqlite_synchronous = "PRAGMA synchronous=FULL";
constexpr const char* sqlite_foreign_keys = "PRAGMA foreign_keys=ON";

// Timestamps are read as text: UTC and ISO make it "YYYY-MM-DD HH:MM:SS+00"
// whatever the server's defaults. UTF8 whatever the database's encoding.
constexpr const char* postgresql_time_zone = "SET TIME ZONE 'UTC'";
constexpr const char* postgresql_date_style = "SET DateStyle = 'ISO, YMD'";
constexpr const char* postgresql_encoding = "SET client_encoding = 'UTF8'";

constexpr const char* sqlite_create_schema_migrations = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
) STRICT)sql";

constexpr const char* postgresql_create_schema_migrations = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     NOT NULL PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL
))sql";

// The key of memoryd's migration lock, in the database-wide namespace of
// advisory locks ("memoryd1" in ASCII). Other memoryd locks use other keys.
constexpr long long migration_lock_key = 0x6d656d6f72796431;
constexpr const char* postgresql_lock_migrations =
  "SELECT pg_advisory_xact_lock(:key)";

// The key of the retention cleanup's lock ("memoryd2"), next to the
// migration lock's.
constexpr long long cleanup_lock_key = 0x6d656d6f72796432;
// The functions answer booleans, which SOCI cannot read into an int.
constexpr const char* postgresql_try_lock_cleanup =
  "SELECT CASE WHEN pg_try_advisory_lock(:key) THEN 1 ELSE 0 END";
constexpr const char* postgresql_unlock_cleanup =
  "SELECT CASE WHEN pg_advisory_unlock(:key) THEN 1 ELSE 0 END";
constexpr const char* sqlite_try_lock_cleanup = R"sql(
UPDATE cleanup_lock SET holder = :holder, expires_at = :until
WHERE lock_id = 1 AND (holder IS NULL OR expires_at < :now)
RETURNING lock_id)sql";
constexpr const char* sqlite_renew_cleanup_lock = R"sql(
UPDATE cleanup_lock SET expires_at = :until
WHERE lock_id = 1 AND holder = :holder
RETURNING lock_id)sql";
constexpr const char* sqlite_unlock_cleanup = R"sql(
UPDATE cleanup_lock SET holder = NULL, expires_at = NULL
WHERE lock_id = 1 AND holder = :holder)sql";

constexpr const char* sqlite_table_exists =
  "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = :name";
constexpr const char* postgresql_table_exists =
  "SELECT count(*) FROM pg_catalog.pg_tables"
  " WHERE schemaname = current_schema() AND tablename = :name";

// -- native handles ----------------------------------------------------------

sqlite_api::sqlite3* sqlite_handle(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}


void execute_sqlite_script(soci::session& sql, const std::string& script) {
  char* message = nullptr;
  const int rc = sqlite_api::sqlite3_exec(sqlite_handle(sql), script.c_str(),
                                          nullptr, nullptr, &message);
  if (rc == SQLITE_OK)
    return;
  std::string what = message != nullptr ? message : "unknown error";
  sqlite_api::sqlite3_free(message);
  throw soci::sqlite3_soci_error("SQL script failed: " + what, rc);
}

void execute_postgresql_script(soci::session& sql, const std::string& script) {
  PGconn* conn = postgresql_handle(sql);
  PGresult* result = PQexec(conn, script.c_str());
  if (succeeded(result)) {
    PQclear(result);
    return;
  }
  throw_postgresql_error(conn, result, "SQL script failed: ");
}

// -- failures ----------------------------------------------------------------

bool connected(soci::session& sql) {
  // A failed reconnect leaves the session without a backend.
  return sql.get_backend() != nullptr && sql.is_connected();
}

failure classify_postgresql(const soci::postgresql_soci_error& e) {
  const std::string state = e.sqlstate();
  if (state == "40001"     // serialization_failure
      || state == "40P01"  // deadlock_detected
      || state == "26000"  // a prepared statement the server lost: prepared anew
      || state == "42P05") // one it had that we forgot: remembered again
    return failure::transient;
  if (state.starts_with("08")    // connection_exception
      || state == "57P01"        // admin_shutdown
      || state == "57P02"        // crash_shutdown
      || state == "57P03")       // cannot_connect_now
    return failure::connection_lost;
  if (state.starts_with("23")) // integrity_constraint_violation
    return failure::constraint_violation;
  if (state == "57014"     // query_canceled: statement_timeout
      || state == "55P03") // lock_not_available: lock_timeout
    return failure::timed_out;
  return failure::other;
}

failure classify_sqlite(int result_code) {
  switch (result_code & 0xff) { // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return failure::transient;
    case SQLITE_CONSTRAINT:
      return failure::constraint_violation;
    default:
      return failure::other;
  }
}

} // namespace

PGconn* postgresql_handle(soci::session& sql) {
  return static_cast<soci::postgresql_session_backend*>(sql.get_backend())
    ->conn_;
}

bool succeeded(const PGresult* result) {
  const auto status = PQresultStatus(result);
  return result != nullptr
         && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
}

void throw_postgresql_error(PGconn* conn, PGresult* result,
                            std::string_view context) {
  // No result, or no SQLSTATE (an error libpq raised itself): the
  // connection broke. Report it as such (class 08).
  const char* state = result != nullptr
                        ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                        : nullptr;
  std::string what = std::string{context}
                     + (result != nullptr ? PQresultErrorMessage(result)
                                          : PQerrorMessage(conn));
  std::string sqlstate = state != nullptr ? state : "08006";
  PQclear(result);
  throw soci::postgresql_soci_error(what, sqlstate.c_str());
}

std::string sqlite_file(soci::session& sql) {
  if (backend_of(sql) != backend::sqlite)
    return {};
  const char* file = sqlite_api::sqlite3_db_filename(sqlite_handle(sql), "main");
  return file != nullptr ? std::string{file} : std::string{};
}

std::string_view begin_write_sql(backend b) {
  return b == backend::sqlite ? sqlite_begin_write : postgresql_begin_write;
}

std::string_view begin_read_sql(backend b) {
  return b == backend::sqlite ? sqlite_begin_read : postgresql_begin_read;
}

std::string_view key_share_lock_sql(backend b) {
  return b == backend::sqlite ? "" : postgresql_key_share_lock;
}

std::string_view update_lock_sql(backend b) {
  return b == backend::sqlite ? "" : " FOR UPDATE";
}

void apply_session_settings(soci::session& sql) {
  if (backend_of(sql) == backend::sqlite) {
    std::string mode;
    sql << sqlite_journal_mode, soci::into(mode);
    if (mode != "wal")
      throw soci::soci_error("SQLite refused WAL journal mode (it is \"" + mode
                             + "\"): is the database on a local file system?");
    sql << sqlite_synchronous;
    sql << sqlite_foreign_keys;
  } else {
    sql << postgresql_time_zone;
    sql << postgresql_date_style;
    sql << postgresql_encoding;
  }
}

void execute_script(soci::session& sql, const std::string& script) {
  if (backend_of(sql) == backend::sqlite)
    execute_sqlite_script(sql, script);
  else
    execute_postgresql_script(sql, script);
}

std::string_view create_schema_migrations_sql(backend b) {
  return b == backend::sqlite ? sqlite_create_schema_migrations
                              : postgresql_create_schema_migrations;
}

void lock_migrations(soci::session& sql) {
  if (backend_of(sql) == backend::postgresql)
    sql << postgresql_lock_migrations, soci::use(migration_lock_key, "key");
}

bool table_exists(soci::session& sql, const std::string& table) {
  int count = 0;
  sql << (backend_of(sql) == backend::sqlite ? sqlite_table_exists
                                             : postgresql_table_exists),
    soci::use(table, "name"), soci::into(count);
  return count > 0;
}

failure classify(soci::session& sql, const std::exception& e) {
  const auto* error = dynamic_cast<const soci::soci_error*>(&e);
  if (error == nullptr)
    return failure::other;
  auto kind = failure::other;
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e))
    kind = classify_postgresql(*pg);
  else if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e))
    kind = classify_sqlite(lite->result());
  if (kind != failure::other)
    return kind;
  // A lost connection does not always come with a SQLSTATE (libpq reports
  // "server closed the connection unexpectedly" without one): ask.
  if (error->get_error_category() == soci::soci_error::connection_error
      || !connected(sql))
    return failure::connection_lost;
  return failure::other;
}

std::string timestamp_to_db(std::string_view text, std::string_view what) {
  const auto t = parse_timestamp(text);
  if (!t)
    throw std::invalid_argument(std::string{what} + " \"" + std::string{text}
                                + "\" is not an RFC 3339 UTC timestamp");
  return format_timestamp(*t);
}

std::string timestamp_from_db(std::string_view text) {
  const auto t = parse_timestamp(text);
  if (!t)
    throw std::runtime_error("the database returned a timestamp in an "
                             "unexpected form: \""
                             + std::string{text} + "\"");
  return format_timestamp(*t);
}

std::string_view skip_locked_sql(backend b) {
  return b == backend::sqlite ? "" : " FOR UPDATE SKIP LOCKED";
}

std::string_view async_commit_sql(backend b) {
  return b == backend::sqlite ? "" : "SET LOCAL synchronous_commit = off";
}

std::string_view in_id_list_sql(backend b) {
  return b == backend::sqlite ? " IN (SELECT value FROM json_each(:ids))"
                              : " = ANY(CAST(:ids AS uuid[]))";
}

std::string id_list(backend b, const std::vector<std::string>& ids) {
  // UUIDs need no quoting inside either form.
  const bool json = b == backend::sqlite;
  std::string out = json ? "[" : "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0)
      out += ',';
    out += json ? "\"" + ids[i] + "\"" : ids[i];
  }
  return out + (json ? "]" : "}");
}

bool try_lock_cleanup(soci::session& sql, const std::string& holder,
                      const std::string& now, const std::string& until) {
  if (backend_of(sql) == backend::postgresql) {
    int taken = 0;
    sql << postgresql_try_lock_cleanup, soci::use(cleanup_lock_key, "key"),
      soci::into(taken);
    return taken == 1;
  }
  long long id = 0;
  sql << sqlite_try_lock_cleanup, soci::use(holder, "holder"),
    soci::use(until, "until"), soci::use(now, "now"), soci::into(id);
  return sql.got_data();
}

bool renew_cleanup_lock(soci::session& sql, const std::string& holder,
                        const std::string& until) {
  if (backend_of(sql) == backend::postgresql)
    return true;
  long long id = 0;
  sql << sqlite_renew_cleanup_lock, soci::use(until, "until"),
    soci::use(holder, "holder"), soci::into(id);
  return sql.got_data();
}

void unlock_cleanup(soci::session& sql, const std::string& holder) {
  if (backend_of(sql) == backend::postgresql) {
    int released = 0;
    sql << postgresql_unlock_cleanup, soci::use(cleanup_lock_key, "key"),
      soci::into(released);
    return;
  }
  sql << sqlite_unlock_cleanup, soci::use(holder, "holder");
}

} // namespace memoryd::storage::dialect

namespace memoryd::storage::dialect {

namespace {

constexpr const char* insert_code_blob_postgresql = R"sql(
INSERT INTO code_blobs (sha256, base_sha256, size, data)
VALUES (:sha256, :base_sha256, :size, decode(:data, 'hex'))
ON CONFLICT (sha256) DO NOTHING
RETURNING size)sql";

constexpr const char* insert_code_blob_sqlite = R"sql(
INSERT INTO code_blobs (sha256, base_sha256, size, data)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (sha256) DO NOTHING
RETURNING size)sql";

bool insert_sqlite_blob(soci::session& sql, const std::string& sha256,
                        const std::string& base_sha256, int64_t size,
                        const std::string& frame) {
  using namespace sqlite_api;
  auto* db = sqlite_handle(sql);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, insert_code_blob_sqlite, -1, &st, nullptr)
      != SQLITE_OK)
    throw soci::sqlite3_soci_error(sqlite3_errmsg(db), sqlite3_errcode(db));
  struct finalizer {
    sqlite3_stmt* st;
    ~finalizer() {
      sqlite3_finalize(st);
    }
  } guard{st};
  sqlite3_bind_text(st, 1, sha256.data(), static_cast<int>(sha256.size()),
                    SQLITE_STATIC);
  if (base_sha256.empty())
    sqlite3_bind_null(st, 2);
  else
    sqlite3_bind_text(st, 2, base_sha256.data(),
                      static_cast<int>(base_sha256.size()), SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, size);
  sqlite3_bind_blob(st, 4, frame.data(), static_cast<int>(frame.size()),
                    SQLITE_STATIC);
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  throw soci::sqlite3_soci_error(sqlite3_errmsg(db), rc);
}

} // namespace

bool insert_code_blob(soci::session& sql, const std::string& sha256,
                      const std::string& base_sha256, int64_t size,
                      const std::string& frame) {
  if (backend_of(sql) == backend::sqlite)
    return insert_sqlite_blob(sql, sha256, base_sha256, size, frame);
  const auto hex = bytea_hex(frame);
  soci::indicator base_flag = base_sha256.empty() ? soci::i_null : soci::i_ok;
  long long inserted = 0;
  const long long n = size;
  sql << insert_code_blob_postgresql, soci::use(sha256, "sha256"),
    soci::use(base_sha256, base_flag, "base_sha256"), soci::use(n, "size"),
    soci::use(hex, "data"), soci::into(inserted);
  return sql.got_data();
}

std::string bytea_hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = digits[b >> 4];
    out[2 * i + 1] = digits[b & 15];
  }
  return out;
}

std::string blob_from_db(std::string fetched) {
  if (fetched.size() < 2 || fetched[0] != '\\' || fetched[1] != 'x')
    return fetched;  // SQLite's bytes (a zstd frame never starts so)
  if (fetched.size() % 2 != 0)
    throw std::runtime_error("a bytea value has an odd number of hex digits");
  std::string out((fetched.size() - 2) / 2, '\0');
  const char* p = fetched.data() + 2;
  for (auto& byte : out) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(p, p + 2, value, 16);
    if (ec != std::errc{} || end != p + 2)
      throw std::runtime_error("a bytea value is not in hex form");
    byte = static_cast<char>(value);
    p += 2;
  }
  return out;
}

} // namespace memoryd::storage::dialect
