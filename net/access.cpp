#include "net/access.hpp"

#include <boost/beast/core/string.hpp>
#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace memoryd::net {

namespace {

enum class realm { open, api, admin };

realm realm_of(route r) {
  switch (r) {
    case route::healthz:
    case route::readyz:
      return realm::open;
    case route::admin_cleanup:
    case route::admin_stats:
    case route::metrics:  // operational data: for operators and scrapers
      return realm::admin;
    default:
      return realm::api;
  }
}

constexpr std::string_view challenge = "Bearer realm=\"memoryd\"";
constexpr std::string_view invalid_challenge
  = "Bearer realm=\"memoryd\", error=\"invalid_token\"";

access_denied unauthorized(std::string message, std::string_view challenge) {
  return {401, error_type::unauthorized, std::move(message),
          std::string{challenge}};
}

access_denied forbidden(std::string message) {
  return {403, error_type::forbidden, std::move(message), {}};
}

/// The token of "Bearer <token>" (scheme in any case, RFC 7235), or "".
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer";
  if (header.size() <= scheme.size()
      || !boost::beast::iequals(header.substr(0, scheme.size()), scheme)
      || header[scheme.size()] != ' ')
    return {};
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  return token;
}

} // namespace

access_policy::access_policy(
  const std::vector<std::pair<std::string, std::string>>& api_tokens,
  const std::vector<std::string>& admin_tokens,
  const std::map<std::string, std::string>& token_agents) {
  auto add = [&](std::string_view token, bool admin, std::string tenant) {
    token_entry e;
    if (auto it = token_agents.find(std::string{token});
        !admin && it != token_agents.end())
      e.agent = it->second;
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
           e.hash.data());
    e.admin = admin;
    e.tenant = std::move(tenant);
    tokens_.push_back(std::move(e));
  };
  for (const auto& [tenant, token] : api_tokens)
    add(token, false, tenant);
  for (const auto& token : admin_tokens)
    add(token, true, {});
  has_api_tokens_ = !api_tokens.empty();
  has_admin_tokens_ = !admin_tokens.empty();
}

const access_policy::token_entry*
access_policy::find(std::string_view token) const {
  digest presented;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         presented.data());
  const token_entry* match = nullptr;
  for (const auto& e : tokens_)
    if (CRYPTO_memcmp(e.hash.data(), presented.data(), presented.size()) == 0)
      match = &e;
  return match;
}

std::variant<principal, access_denied>
access_policy::authorize(route r, std::string_view authorization) const {
  const auto where = realm_of(r);
  if (where == realm::open)
    return principal{};
  if (where == realm::api && !has_api_tokens_)
    return principal{};
  if (where == realm::admin && !has_api_tokens_ && !has_admin_tokens_)
    return principal{};
  auto token = bearer_token(authorization);
  if (token.empty())
    return unauthorized("a bearer token is required (Authorization: Bearer "
                        "<token>)",
                        challenge);
  const auto* match = find(token);
  if (match == nullptr)
    return unauthorized("the bearer token is not valid", invalid_challenge);
  if (where == realm::api) {
    if (match->admin)
      return forbidden("an admin token cannot use /api: use an API token");
    return principal{match->tenant, match->agent};
  }
  if (!match->admin)
    return forbidden(has_admin_tokens_
                       ? "an API token cannot use /admin: use an admin token"
                       : "/admin needs an admin token, and ADMIN_TOKENS is "
                         "not set");
  return principal{};
}

} // namespace memoryd::net
