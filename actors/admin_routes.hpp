#pragma once

// The HTTP side of the operations routes under /admin: request decoding,
// the domain message, and the response. Called by the front actor; throws
// request_error for bad input. (No authentication yet: ADMIN_TOKENS is
// refused at start, and memoryd serves loopback addresses only.)

#include "actors/front_actor.hpp"

namespace memoryd {

/// Serves POST /admin/cleanup.
void serve_admin_route(front_pointer self, exchange_ptr ex);

} // namespace memoryd
