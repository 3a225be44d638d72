#pragma once

// The route of the change feed, GET /api/events.

#include "actors/front_actor.hpp"

namespace memoryd {

/// Serves GET /api/events: asks the events actor with the request deadline
/// plus the wait, answers the page, or 410 for a cursor past retention.
void serve_event_route(front_pointer self, exchange_ptr ex);

} // namespace memoryd
