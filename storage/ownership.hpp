#pragma once

// Which tenant owns a session or a site. Neither ever changes owner (a
// session keeps its tenant, a site its session), so an answer stays true for
// as long as the row exists: callers may remember it. Blocking; used only by
// storage workers and tests.

#include <optional>
#include <string>

namespace soci {
class session;
}

namespace memoryd::storage {

/// The tenant of the session; nullopt when there is no such session.
std::optional<std::string> session_owner(soci::session& sql,
                                         const std::string& session_id);

/// The tenant of the site's session; nullopt when there is no such site.
std::optional<std::string> site_owner(soci::session& sql,
                                      const std::string& site_id);

} // namespace memoryd::storage
