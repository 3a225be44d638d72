#pragma once

// If-None-Match on reads: agents poll sessions and sites, and a poll whose
// ETag still matches is answered 304 without the body (RFC 9110 13.1.2).

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/api.hpp"

namespace memoryd {

/// The ETag of a revision: "<revision>" (strong).
std::string etag(int64_t revision);

/// Whether an If-None-Match value names `tag` (weak comparison, `*`
/// matching any).
bool none_match_names(std::string_view if_none_match, std::string_view tag);

/// `response` to a read, or 304 Not Modified (with its ETag and no body)
/// when it is a 200 whose ETag the request's If-None-Match names (weak
/// comparison, `*` matching any).
api_response conditional(const api_request& request, api_response response);

} // namespace memoryd
