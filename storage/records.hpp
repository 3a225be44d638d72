#pragma once

// Row-shaped records the repositories read and write. Plain data: no SOCI,
// no CAF, no JSON library, so that actors/ can carry them in messages.
// JSON columns travel as their text; timestamps as RFC 3339 UTC strings with
// microseconds ("2026-11-24T02:00:00.123456Z"), which sort as they compare.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace memoryd::storage {

struct session_record {
  std::string session_id;        // lower-case UUID
  std::string tenant;            // "" is the default tenant (no API_TOKENS)
  bool has_user_id = false;      // user_id is SQL NULL when false
  std::string user_id;
  std::string state_json = "{}";        // a JSON object
  std::string preferences_json = "{}";  // a JSON object
  int64_t revision = 1;
  std::string created_by;  // the agent of the creating write; "": none
  std::string updated_by;  // the agent of the latest write; "": none
  std::string created_at;
  std::string updated_at;
};

/// What a PUT /api/sessions/{id} changes. Only the `set_*` fields are written.
struct session_update {
  std::string session_id;
  std::string tenant;  // the update applies only to this tenant's session
  bool set_user_id = false;
  bool has_user_id = false;  // with set_user_id: false writes NULL
  std::string user_id;
  bool set_state = false;
  std::string state_json;
  bool set_preferences = false;
  std::string preferences_json;
  /// If-Match: the update applies only when the stored revision equals this.
  /// Negative: unconditional.
  int64_t expected_revision = -1;
  std::string agent;  // becomes updated_by ("": NULL)
  std::string updated_at;
};

/// One page of GET /api/sessions, oldest first, keyed by (created_at, id).
struct session_page_query {
  std::string tenant;
  bool filter_user_id = false;
  std::string user_id;
  std::size_t limit = 20;
  bool has_cursor = false;        // continue strictly after this key
  std::string after_created_at;
  std::string after_session_id;
};

struct session_page {
  std::vector<session_record> items;
  bool has_more = false;          // another page follows the last item
};

} // namespace memoryd::storage
