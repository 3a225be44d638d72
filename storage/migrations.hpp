#pragma once

// Numbered schema migrations (storage/migrations/<backend>/NNNN_name.sql),
// embedded at build time and applied at start-up in one transaction each,
// recorded in schema_migrations. Safe when two daemons start at once on one
// database: PostgreSQL takes an advisory transaction lock, SQLite BEGIN
// IMMEDIATE.

#include <string>
#include <vector>

namespace soci {
class session;
}

namespace memoryd::storage {

struct migration {
  int number;
  std::string name;
  std::string sql;
};

/// The embedded migrations of the session's backend, in order.
const std::vector<migration>& migrations_for(soci::session& sql);

/// Applies every migration not yet recorded. Returns how many it applied.
int migrate(soci::session& sql);

/// The highest applied migration number (0 on an empty database).
int schema_version(soci::session& sql);

} // namespace memoryd::storage
