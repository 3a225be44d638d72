#pragma once

// The HTTP side of sites, versions, audits and deployments: request
// decoding, the message to the site actor responsible for the site, and the
// response. Called by the front actor; throws request_error for bad input.

#include "actors/front_actor.hpp"

namespace memoryd {

/// Serves the routes of the contract's Sites table.
void serve_site_route(front_pointer self, exchange_ptr ex);

} // namespace memoryd
