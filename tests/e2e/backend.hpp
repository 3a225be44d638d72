#pragma once

// Which backend an e2e run uses, from MEMORYD_E2E_BACKEND (set by ctest):
// "sqlite" (embedded default: SQLite file + in-process cache) or
// "postgresql" (PostgreSQL + Redis from scripts/test.sh).

#include <string>

#include "tests/support/daemon_process.hpp"

namespace memoryd::test {

struct e2e_backend {
  std::string name;
  daemon_process::environment env;  // DATABASE_URL, REDIS_URL, limits
  bool shared_cache = false;        // Redis: visible across processes
};

/// A fresh database (and the run's Redis) for one daemon or a group of
/// daemons sharing it. Small limits so the tests can reach them.
e2e_backend make_backend();

/// The daemon most tests share, started on first use.
daemon_process& shared_daemon();

/// The backend of shared_daemon().
const e2e_backend& shared_backend();

inline constexpr std::size_t test_max_body_bytes = 4 * 1024 * 1024;
inline constexpr std::size_t test_max_json_depth = 16;

} // namespace memoryd::test
