#pragma once

// Opaque list cursors: the keyset position (a timestamp and an id) after
// which the next page starts, as unpadded base64url so it needs no escaping
// in a query string.

#include <string>
#include <string_view>

namespace memoryd {

struct cursor_position {
  std::string created_at;
  std::string id;
};

std::string encode_cursor(const cursor_position& pos);

/// Throws request_error(validation) "cursor is not valid" for anything that
/// encode_cursor did not produce.
cursor_position decode_cursor(std::string_view cursor);

} // namespace memoryd
