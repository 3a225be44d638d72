#include "storage/preferences_repository.hpp"

#include <soci/soci.h>

#include "storage/session_repository.hpp"
#include "storage/uuid.hpp"

namespace memoryd::storage {

namespace {

// A LEFT JOIN, as in session_repository: a session always has preferences,
// if only "{}".
constexpr const char* select_preferences_sql = R"sql(
SELECT COALESCE(p.preferences, '{}'), s.revision
FROM sessions s LEFT JOIN user_preferences p ON p.session_id = s.session_id
WHERE s.session_id = :session_id)sql";

} // namespace

preferences_repository::preferences_repository(soci::session& sql)
  : sql_(sql) {
  // nop
}

std::optional<preferences_record>
preferences_repository::find(const std::string& session_id) {
  if (!is_canonical_uuid(session_id))
    return std::nullopt;
  preferences_record r;
  long long revision = 0;
  sql_ << select_preferences_sql, soci::use(session_id, "session_id"),
    soci::into(r.preferences_json), soci::into(revision);
  if (!sql_.got_data())
    return std::nullopt;
  r.session_id = session_id;
  r.revision = revision;
  return r;
}

session_record preferences_repository::replace(
  const std::string& session_id, const std::string& tenant,
  const std::string& preferences_json,
  int64_t expected_revision, const std::string& updated_at,
  const std::string& agent) {
  // A conditional update of the session that sets only its preferences:
  // the same revision rule, in the same single transaction.
  session_update u;
  u.session_id = session_id;
  u.tenant = tenant;
  u.set_preferences = true;
  u.preferences_json = preferences_json;
  u.expected_revision = expected_revision;
  u.updated_at = updated_at;
  u.agent = agent;
  return session_repository{sql_}.update(u);
}

} // namespace memoryd::storage
