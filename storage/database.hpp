#pragma once

// Opening a database from DATABASE_URL, for both backends, with the
// connection settings every memoryd connection needs.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace soci {
class session;
}

namespace memoryd::storage {

enum class backend { sqlite, postgresql };

std::string_view to_string(backend b);

struct database_url {
  backend kind = backend::sqlite;
  /// What SOCI's backend receives: for SQLite `db="<path>" timeout=<s>`;
  /// for PostgreSQL the libpq URI, with application_name=memoryd added
  /// unless it names one (SOCI 4.0.3 mangles a URI without any '=').
  std::string connect_string;
  /// The URL with any password replaced by "***", for logs.
  std::string redacted;
};

/// Parses `sqlite:///abs/path.db`, `sqlite://relative.db`,
/// `postgresql://user:pw@host:port/db?...` (also `postgres://`).
/// Throws std::invalid_argument with a message naming what is wrong.
database_url parse_database_url(std::string_view url);

/// `url` with bounds on every statement of its connections, so that a lock
/// held elsewhere or a runaway query fails instead of hanging a worker:
/// PostgreSQL gets `statement_timeout` and `lock_timeout` (libpq
/// `options`, unless the URL sets options itself: they survive
/// reconnects); SQLite waits for another writer at most `lock_timeout`
/// (whole seconds, at least one). A zero duration leaves that bound unset.
database_url with_statement_limits(database_url url,
                                   std::chrono::milliseconds statement_timeout,
                                   std::chrono::milliseconds lock_timeout);

/// Opens one connection and applies the per-connection settings:
/// SQLite: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout;
/// PostgreSQL: TimeZone UTC. Throws soci::soci_error on failure.
std::unique_ptr<soci::session> open_database(const database_url& url);

/// The backend of an open session.
backend backend_of(soci::session& sql);

} // namespace memoryd::storage
