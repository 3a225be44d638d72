#pragma once

// What the fuzz targets share: the daemon's rule that a decoder fails only
// with request_error (any other exception is a 500), and the round trip
// that every JSON text memoryd stores must pass.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/value.hpp>

namespace memoryd::fuzz {

/// Stops the run with `what` when `ok` is false: libFuzzer saves the input
/// that got here as a crash.
void require(bool ok, std::string_view what);

/// `text`, the JSON text memoryd keeps for `original` (to_json_text), must
/// read back (parse_trusted_json) as a value equal to `original`, and
/// serialize to the same text again.
void require_faithful(const boost::json::value& original,
                      std::string_view text);

/// `text`, JSON text memoryd stores, must be storable on PostgreSQL too:
/// no U+0000, raw or escaped (jsonb refuses "\u0000").
void require_storable(std::string_view text);

/// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

} // namespace memoryd::fuzz
