#pragma once

// Everything that differs between SQLite and PostgreSQL, in one place.
// Internal to storage/. The repositories' SQL is written once for both:
//  - ids, JSON and timestamps are bound as text; PostgreSQL infers uuid,
//    jsonb and timestamptz from the column, SQLite stores the text;
//  - timestamps are read as text and normalized with timestamp_from_db();
//  - "did a row match" is asked with RETURNING, which both support.
// What cannot be written once is below.

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace soci {
class session;
}

// libpq's PGconn and PGresult, without its header.
struct pg_conn;
struct pg_result;

namespace memoryd::storage::dialect {

/// Opens a write transaction. SQLite takes the write lock at once
/// (IMMEDIATE), so that two writers queue on the busy timeout instead of one
/// failing when a reader upgrades.
std::string_view begin_write_sql(backend b);

/// Opens a read-only transaction whose statements all read one snapshot:
/// REPEATABLE READ on PostgreSQL, where READ COMMITTED gives each statement
/// its own; a deferred BEGIN on SQLite, where WAL keeps the first read's
/// snapshot to the end without taking the write lock.
std::string_view begin_read_sql(backend b);

/// Appended to a SELECT of a parent row inside a write transaction, to keep
/// the row from being deleted until the transaction ends, so that an insert
/// of a child cannot fail on its foreign key: FOR KEY SHARE on PostgreSQL
/// (updates of the row still proceed); nothing on SQLite, where
/// BEGIN IMMEDIATE already keeps every other writer out.
std::string_view key_share_lock_sql(backend b);

/// Appended to a SELECT of a row that the transaction will delete: waits
/// for, then keeps out, every transaction holding or taking a lock on it
/// (FOR UPDATE on PostgreSQL; nothing on SQLite, see above).
std::string_view update_lock_sql(backend b);

/// The per-connection settings every memoryd connection needs, applied after
/// opening and after a reconnect.
void apply_session_settings(soci::session& sql);

/// The file of a SQLite connection's main database; empty for one in
/// memory, or on PostgreSQL.
std::string sqlite_file(soci::session& sql);

/// Runs a script of several statements as written: SOCI would run only the
/// first statement on SQLite and would rewrite ":name" inside it.
void execute_script(soci::session& sql, const std::string& script);

/// Creates schema_migrations when it does not exist yet.
std::string_view create_schema_migrations_sql(backend b);

/// Serializes concurrent migrators for the rest of the current write
/// transaction: a transaction-scoped advisory lock on PostgreSQL; nothing on
/// SQLite, where BEGIN IMMEDIATE already holds the database's write lock.
void lock_migrations(soci::session& sql);

/// Whether a table of that name exists in the connection's schema.
bool table_exists(soci::session& sql, const std::string& table);

/// What a failure thrown by SOCI on `sql` means for the caller.
enum class failure {
  /// Worth retrying on the same connection: serialization failure,
  /// deadlock, SQLite busy or locked.
  transient,
  /// The connection is gone: reconnect, then retry.
  connection_lost,
  /// A unique, foreign-key, check or not-null constraint refused the write.
  constraint_violation,
  /// The statement ran past statement_timeout, or waited for a lock past
  /// lock_timeout (PostgreSQL): retrying would wait as long again.
  timed_out,
  /// Anything else, including every non-SOCI exception.
  other,
};
failure classify(soci::session& sql, const std::exception& e);

/// libpq's connection below a PostgreSQL session, for what SOCI cannot do
/// (scripts, prepared statements).
pg_conn* postgresql_handle(soci::session& sql);

/// Whether a libpq result is a success: a command done, or rows.
bool succeeded(const pg_result* result);

/// Throws `result`'s error (and frees it) as a soci::postgresql_soci_error
/// with its SQLSTATE, so that classify() and the retries treat it as any
/// other; without a result or a SQLSTATE, as a broken connection (08006).
[[noreturn]] void throw_postgresql_error(pg_conn* conn, pg_result* result,
                                         std::string_view context);

/// A timestamp to bind, in the canonical form of timestamp.hpp, which
/// SQLite needs to compare timestamps as text. Accepts what
/// parse_timestamp() accepts; throws std::invalid_argument naming `what`
/// otherwise (PostgreSQL would take 'now' or '2026-11-24', SQLite anything).
std::string timestamp_to_db(std::string_view text, std::string_view what);

/// A timestamp column as the backend returns it ("2026-11-24
/// 02:00:00.5+00" from PostgreSQL, the stored text from SQLite) in the
/// canonical form of timestamp.hpp. Throws std::runtime_error on anything
/// else, which would mean a row not written by memoryd.
std::string timestamp_from_db(std::string_view text);

// -- the retention cleanup ---------------------------------------------------

/// Appended to the SELECT of a cleanup batch: locks the rows it picks and
/// passes over rows another transaction holds (FOR UPDATE SKIP LOCKED on
/// PostgreSQL, so the cleanup never waits for a client and a session being
/// written is left for a later batch; nothing on SQLite, see update_lock_sql).
std::string_view skip_locked_sql(backend b);

/// Run inside a transaction whose loss in a crash costs nothing but doing
/// it again: its commit does not wait for the WAL flush (PostgreSQL
/// synchronous_commit off, for this transaction only; a later synchronous
/// commit flushes it too). Empty on SQLite, where the setting is per
/// connection.
std::string_view async_commit_sql(backend b);

/// " <column> IN the list bound as :ids", to follow a column name; the
/// list is bound as id_list(b, ids).
std::string_view in_id_list_sql(backend b);

/// Lower-case UUIDs as one bindable value: a PostgreSQL array literal
/// ('{a,b}'), a JSON array on SQLite ('["a","b"]').
std::string id_list(backend b, const std::vector<std::string>& ids);

// -- code blobs --------------------------------------------------------------

/// Inserts a row of code_blobs unless its sha256 exists (ON CONFLICT DO
/// NOTHING); true when inserted. `base_sha256` empty: a keyframe. `frame`
/// is binary: PostgreSQL gets it hex-encoded into bytea, SQLite as a BLOB
/// (SOCI would bind it as TEXT, which a STRICT BLOB column refuses).
bool insert_code_blob(soci::session& sql, const std::string& sha256,
                      const std::string& base_sha256, int64_t size,
                      const std::string& frame);

/// Binary bytes as a text parameter PostgreSQL's decode(:p, 'hex') turns
/// into bytea.
std::string bytea_hex(const std::string& bytes);

/// A bytea or BLOB column as fetched into a std::string, as its bytes:
/// PostgreSQL sends bytea as text (a backslash, x, hex digits), decoded
/// here; anything else (SQLite's BLOB) is the bytes already.
std::string blob_from_db(std::string fetched);

/// Tries to take the fleet-wide cleanup lock without waiting; true when
/// taken. PostgreSQL: a session-level advisory lock on this connection
/// (released by unlock_cleanup or when the connection ends). SQLite: the
/// cleanup_lock row, claimed for `holder` until `until` unless someone else
/// holds an unexpired lease at `now`.
bool try_lock_cleanup(soci::session& sql, const std::string& holder,
                      const std::string& now, const std::string& until);

/// Extends the lease to `until`; false when `holder` no longer holds it (it
/// ran out and another process took it). Always true on PostgreSQL, where
/// the lock lasts as long as the connection.
bool renew_cleanup_lock(soci::session& sql, const std::string& holder,
                        const std::string& until);

/// Gives the lock back.
void unlock_cleanup(soci::session& sql, const std::string& holder);

} // namespace memoryd::storage::dialect
