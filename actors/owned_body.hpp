#pragma once

// Cached bodies carry the tenant that owns them, so a hit is served only to
// that tenant: the entry is "<body>\n<tenant>". A rendered body never holds
// a raw line break (JSON escapes them) and a tenant name never does either,
// so the last one separates them; at the end, taking the tenant off costs
// no copy of the body. Another tenant's hit is answered as not found,
// exactly like the database would answer it.

#include <optional>
#include <string>
#include <string_view>

namespace memoryd {

/// The cache entry for `body` owned by `tenant`.
inline std::string seal_body(std::string_view tenant, std::string_view body) {
  std::string entry;
  entry.reserve(body.size() + 1 + tenant.size());
  entry.append(body).append(1, '\n').append(tenant);
  return entry;
}

/// The body of `entry` when `tenant` owns it; nullopt for another tenant's
/// (or an entry not made by seal_body).
inline std::optional<std::string> open_body(std::string_view tenant,
                                            std::string entry) {
  const std::string_view view{entry};
  if (view.size() <= tenant.size()
      || view[view.size() - tenant.size() - 1] != '\n'
      || view.substr(view.size() - tenant.size()) != tenant)
    return std::nullopt;
  entry.resize(view.size() - tenant.size() - 1);
  return entry;
}

} // namespace memoryd
