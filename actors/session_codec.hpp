#pragma once

// The JSON shape of sessions: decoding request bodies into storage records
// (with the contract's type rules) and rendering records as response bodies.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "storage/records.hpp"

namespace memoryd {

/// POST /api/sessions: {"user_id"?, "state"?, "preferences"?}. Fills the
/// draft's user, state and preferences; throws request_error(validation).
storage::session_record decode_session_create(const boost::json::value& body);

/// PUT /api/sessions/{id}: the fields given replace the stored ones.
storage::session_update decode_session_update(const boost::json::value& body);

/// The session of an export document (the contract's session object): its
/// user, state, preferences and revision; id and timestamps are the
/// exporter's and are not read back.
storage::session_record decode_archived_session(const boost::json::value& v);

/// The contract's session object.
std::string render_session(const storage::session_record& s);

/// {"session_id", "preferences"}
std::string render_preferences(const storage::session_record& s);

/// {"items": [...], "next_cursor": "..." | null}
std::string render_session_page(const storage::session_page& page);

/// ?limit=1..100 (default 20); throws request_error(validation).
std::size_t parse_limit(const std::string* value);

/// If-Match: "7", 7 or *; returns -1 for * (any revision). A weak tag
/// (W/"7") never matches in If-Match and is rejected.
/// Throws request_error(validation) for anything else.
int64_t parse_if_match(std::string_view value);

} // namespace memoryd
