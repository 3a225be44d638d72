#pragma once

// Who may call what: bearer tokens (RFC 6750) for /api and /admin. Pure: no
// sockets, so it is unit-tested alone.
//
// - /healthz and /readyz are public.
// - /api: open while no API token is configured (memoryd then serves only
//   loopback, see config); otherwise an API token, whose tenant the
//   request acts for. An admin token there is 403.
// - /admin: an admin token when ADMIN_TOKENS is set; open while no token of
//   either kind is configured; closed (403 for an API token) when only API
//   tokens are.
// A missing token is 401 with `WWW-Authenticate: Bearer realm="memoryd"`, a
// wrong one 401 with error="invalid_token" added.
//
// Tokens are kept as SHA-256 digests and every presented token is compared
// with all of them in constant time (CRYPTO_memcmp), so neither the time
// taken nor a memory dump gives a token away.

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "actors/api.hpp"

namespace memoryd::net {

/// A request's caller: the tenant its data belongs to.
struct principal {
  std::string tenant;  // "" is the default tenant
  std::string agent;   // the token's agent; "" when it has none
};

/// Why a request is refused.
struct access_denied {
  unsigned status;          // 401 or 403
  error_type type;
  std::string message;
  std::string challenge;    // WWW-Authenticate value for a 401
};

class access_policy {
public:
  /// No tokens: everything open.
  access_policy() = default;

  /// `api_tokens`: (tenant, token) pairs; `admin_tokens`: tokens.
  access_policy(
    const std::vector<std::pair<std::string, std::string>>& api_tokens,
    const std::vector<std::string>& admin_tokens,
    const std::map<std::string, std::string>& token_agents = {});

  /// Checks the Authorization header value (empty when absent) for `r`.
  std::variant<principal, access_denied>
  authorize(route r, std::string_view authorization) const;

private:
  using digest = std::array<unsigned char, 32>;

  struct token_entry {
    digest hash;
    bool admin = false;
    std::string tenant;
    std::string agent;
  };

  /// The entry `token` matches, or nullptr; looks at every entry.
  const token_entry* find(std::string_view token) const;

  std::vector<token_entry> tokens_;
  bool has_api_tokens_ = false;
  bool has_admin_tokens_ = false;
};

} // namespace memoryd::net
