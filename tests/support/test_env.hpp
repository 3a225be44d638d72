#pragma once

// What every test program needs from its surroundings: the throwaway servers
// scripts/test.sh started, scratch databases and directories, free ports.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace memoryd::test {

/// The environment variable's value; throws std::runtime_error naming it
/// (and scripts/test.sh) when unset, so a missing server fails the test
/// instead of skipping it.
std::string required_env(const char* name);

/// MEMORYD_TEST_PG_URL: a PostgreSQL 15 superuser URL (database "postgres").
std::string pg_admin_url();

/// MEMORYD_TEST_REDIS_URL: redis://127.0.0.1:<port>
std::string redis_url();

/// Creates a new, empty PostgreSQL database with a unique name derived from
/// `prefix` and returns its URL. Test programs never share a database.
std::string create_pg_database(std::string_view prefix);

/// A new empty directory under the system temp dir.
std::filesystem::path make_temp_dir(std::string_view prefix);

/// A sqlite:// URL of a new file in a new temp dir.
std::string create_sqlite_database(std::string_view prefix);

/// A loopback TCP port that was free a moment ago (bind to 0, read, close).
/// Callers starting a server on it must retry on a bind failure.
uint16_t free_port();

/// A name unique within this machine for the life of the test run.
std::string unique_name(std::string_view prefix);

} // namespace memoryd::test
