#pragma once

// X-Request-Id: every response carries one, echoed from the request when the
// client sent a usable one, otherwise made up here.

#include <cstddef>
#include <string>
#include <string_view>

namespace memoryd::net {

/// Longest client request id we echo.
inline constexpr std::size_t max_request_id_size = 128;

/// True for 1..max_request_id_size visible ASCII characters (0x21..0x7e).
/// Spaces and control characters are refused so that an id is one token in a
/// log line and cannot forge one.
bool is_valid_request_id(std::string_view id);

/// A new random (v4) UUID in lower case.
std::string new_request_id();

/// `client_id` when valid, else new_request_id().
std::string choose_request_id(std::string_view client_id);

} // namespace memoryd::net
