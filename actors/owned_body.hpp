#pragma once

// Cached bodies carry the tenant that owns them, so a hit is served only to
// that tenant: the entry is "<tenant>\n<body>" (a tenant name never holds a
// line break). Another tenant's hit is answered as not found, exactly like
// the database would answer it.

#include <optional>
#include <string>
#include <string_view>

namespace memoryd {

/// The cache entry for `body` owned by `tenant`.
inline std::string seal_body(std::string_view tenant, std::string_view body) {
  std::string entry;
  entry.reserve(tenant.size() + 1 + body.size());
  entry.append(tenant).append(1, '\n').append(body);
  return entry;
}

/// The body of `entry` when `tenant` owns it; nullopt for another tenant's
/// (or an entry not made by seal_body).
inline std::optional<std::string> open_body(std::string_view tenant,
                                            std::string entry) {
  if (entry.size() <= tenant.size() || entry[tenant.size()] != '\n'
      || std::string_view{entry}.substr(0, tenant.size()) != tenant)
    return std::nullopt;
  entry.erase(0, tenant.size() + 1);
  return entry;
}

} // namespace memoryd
