#pragma once

// A daemon of its own with bearer tokens: two tenants ("acme", with two
// tokens as during a rotation, and "zeta") and an admin token, on a fresh
// database of the run's backend. For the access and idempotency tests.

#include <memory>
#include <string>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/support/daemon_process.hpp"

namespace memoryd::test {

/// A random 128-bit token (32 hex digits).
std::string random_token();

struct tenant_daemon {
  e2e_backend backend = make_backend();
  std::string acme = random_token();
  std::string acme_next = random_token();
  std::string zeta = random_token();
  std::string admin = random_token();
  std::unique_ptr<daemon_process> daemon;

  tenant_daemon();

  /// The environment that configures these tokens on `backend`.
  daemon_process::environment env() const;

  /// A client of the daemon that sends `token` (none when empty).
  api_client as(const std::string& token) const;
};

} // namespace memoryd::test
