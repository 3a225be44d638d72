#pragma once

// Pure mapping from method + request target to a route with validated path
// parameters and decoded query parameters. No sockets: unit-tested alone.
//
// Rules: the target must be in origin form ("/path?query"; anything else, or
// bad percent-encoding, is 400). Path segments and query parameters are
// percent-decoded, '+' in the query is a space. One trailing slash is
// ignored (`/api/sessions/` is `/api/sessions`). Unknown path: 404; known
// path, other method: 405 with Allow; a path ID that is not a UUID: 400.
// Where a literal segment and an ID could both match, the literal wins.

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "actors/api.hpp"
#include "telemetry/http_metrics.hpp"

namespace memoryd::net {

struct route_match {
  route target;
  std::vector<std::string> path_params;  // UUIDs normalized to lower case
  std::vector<std::pair<std::string, std::string>> query;
};

struct route_error {
  unsigned status;        // 400, 404 or 405
  error_type type;
  std::string message;
  std::string allow;      // for 405: the Allow header value
};

std::variant<route_match, route_error> match_route(std::string_view method,
                                                   std::string_view target);

/// The metrics labels of every route (its method and pattern), indexed by
/// the route's value.
std::vector<telemetry::route_label> route_labels();

/// True for a canonical 8-4-4-4-12 hex UUID (any case).
bool is_uuid(std::string_view s);

} // namespace memoryd::net
