#include "storage/ownership.hpp"

#include <soci/soci.h>

#include "storage/uuid.hpp"

namespace memoryd::storage {

namespace {

constexpr const char* session_owner_sql =
  "SELECT tenant FROM sessions WHERE session_id = :id";

constexpr const char* site_owner_sql =
  "SELECT s.tenant FROM sites t JOIN sessions s ON s.session_id = t.session_id"
  " WHERE t.site_id = :id";

std::optional<std::string> owner(soci::session& sql, const char* query,
                                 const std::string& id) {
  if (!is_canonical_uuid(id))
    return std::nullopt;
  std::string tenant;
  sql << query, soci::use(id, "id"), soci::into(tenant);
  if (!sql.got_data())
    return std::nullopt;
  return tenant;
}

} // namespace

std::optional<std::string> session_owner(soci::session& sql,
                                         const std::string& session_id) {
  return owner(sql, session_owner_sql, session_id);
}

std::optional<std::string> site_owner(soci::session& sql,
                                      const std::string& site_id) {
  return owner(sql, site_owner_sql, site_id);
}

} // namespace memoryd::storage
