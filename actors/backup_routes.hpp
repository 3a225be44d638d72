#pragma once

// The HTTP side of export and import: request decoding and the response.
// The bodies themselves are rendered and read by the backup workers.
// Called by the front actor; throws request_error for bad input.

#include "actors/front_actor.hpp"

namespace memoryd {

/// Serves the routes of the contract's Export and import table.
void serve_backup_route(front_pointer self, exchange_ptr ex);

} // namespace memoryd
