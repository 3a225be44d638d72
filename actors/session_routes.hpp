#pragma once

// The HTTP side of sessions and preferences: request decoding, the domain
// message, and the response with its status and headers (ETag, Location,
// X-Cache). Called by the front actor; throws request_error for bad input.

#include "actors/front_actor.hpp"

namespace memoryd {

/// Serves the routes of the contract's Sessions table.
void serve_session_route(front_pointer self, exchange_ptr ex);

} // namespace memoryd
