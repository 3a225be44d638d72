#pragma once

// The preferences of a session (table user_preferences, one row per session).
// Replacing them is a change of the session: its revision goes up by one.

#include <optional>
#include <string>

#include "storage/records.hpp"

namespace soci {
class session;
}

namespace memoryd::storage {

struct preferences_record {
  std::string session_id;
  std::string preferences_json;
  int64_t revision = 0;  // the owning session's revision
};

class preferences_repository {
public:
  explicit preferences_repository(soci::session& sql);

  std::optional<preferences_record> find(const std::string& session_id);

  /// Writes `preferences_json` if the session is `tenant`'s and its
  /// revision still equals `expected_revision`, bumps the revision and
  /// updated_at, in one transaction. Returns the whole session as stored.
  /// Throws not_found or precondition_failed (the caller re-reads and
  /// merges again). `agent` becomes the session's updated_by.
  session_record replace(const std::string& session_id,
                         const std::string& tenant,
                         const std::string& preferences_json,
                         int64_t expected_revision,
                         const std::string& updated_at,
                         const std::string& agent = {});

private:
  soci::session& sql_;
};

} // namespace memoryd::storage
