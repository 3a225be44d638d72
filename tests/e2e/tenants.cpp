#include "tests/e2e/tenants.hpp"

#include <random>

namespace memoryd::test {

std::string random_token() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string token(32, '0');
  for (auto& c : token)
    c = digits[random() % 16];
  return token;
}

tenant_daemon::tenant_daemon() {
  daemon = std::make_unique<daemon_process>(env());
}

daemon_process::environment tenant_daemon::env() const {
  auto out = backend.env;
  out["API_TOKENS"] = "acme:" + acme + ", acme:" + acme_next + ",zeta:" + zeta;
  out["ADMIN_TOKENS"] = admin;
  return out;
}

api_client tenant_daemon::as(const std::string& token) const {
  api_client c{daemon->port()};
  c.set_token(token);
  return c;
}

} // namespace memoryd::test
