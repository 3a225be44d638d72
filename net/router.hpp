#pragma once

// Pure mapping from method + request target to a route with validated path
// parameters and decoded query parameters. No sockets: unit-tested alone.

#include <string>
#include <string_view>
#include <variant>

#include "actors/api.hpp"

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

/// True for a canonical 8-4-4-4-12 hex UUID (any case).
bool is_uuid(std::string_view s);

} // namespace memoryd::net
