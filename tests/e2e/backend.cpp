#include "tests/e2e/backend.hpp"

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "tests/support/test_env.hpp"

namespace memoryd::test {

e2e_backend make_backend() {
  e2e_backend b;
  b.name = required_env("MEMORYD_E2E_BACKEND");
  b.env["MAX_BODY_BYTES"] = std::to_string(test_max_body_bytes);
  b.env["MAX_JSON_DEPTH"] = std::to_string(test_max_json_depth);
  b.env["DATABASE_POOL_SIZE"] = "8";
  b.env["REDIS_MAX_CONNECTIONS"] = "8";
  b.env["SHUTDOWN_GRACE_MS"] = "5000";
  if (b.name == "sqlite") {
    b.env["DATABASE_URL"] = create_sqlite_database("e2e");
    b.env["REDIS_URL"] = "";
  } else if (b.name == "postgresql") {
    b.env["DATABASE_URL"] = create_pg_database("e2e");
    b.env["REDIS_URL"] = redis_url();
    b.shared_cache = true;
  } else {
    throw std::runtime_error("MEMORYD_E2E_BACKEND must be sqlite or postgresql");
  }
  return b;
}

const e2e_backend& shared_backend() {
  static const e2e_backend backend = make_backend();
  return backend;
}

daemon_process& shared_daemon() {
  static daemon_process daemon{shared_backend().env};
  return daemon;
}

} // namespace memoryd::test
