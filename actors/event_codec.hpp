#pragma once

// GET /api/events on the wire: its query parameters, its cursor and the
// page it answers. Pure functions: no actors, no sockets.

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/interfaces.hpp"

namespace memoryd {

/// "<txid>-<event_id>", both decimal: opaque to clients.
std::string encode_event_cursor(const storage::event_position& p);

/// Throws request_error(validation) for anything encode_event_cursor did
/// not produce.
storage::event_position decode_event_cursor(std::string_view cursor);

/// The query of `req` (after, limit, wait) in `req`'s tenant. Throws
/// request_error(validation) naming the bad parameter.
event_query decode_event_query(const api_request& req);

/// `{"items": [...], "next_cursor": "..."}`; next_cursor is where to
/// resume, also after an empty page.
std::string render_event_page(const storage::event_page& page);

/// The 410 of a cursor older than the retention: the envelope with
/// `oldest_cursor`, where a reader may resume (missing what was removed).
api_response gone_response(const storage::event_page& page,
                           std::string_view request_id);

} // namespace memoryd
