#pragma once

// RFC 6902 JSON Patch from one JSON value to another: objects compared key
// by key (recursively), arrays by their common head and tail with the
// middle compared index by index, then the surplus removed or the rest
// added; anything else that differs is replaced whole (the root too, with
// the path ""). Deterministic: object keys in the order of the documents.

#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace memoryd::diff {

/// The operations that turn `from` into `to` (empty when equal).
boost::json::array json_patch(const boost::json::value& from,
                              const boost::json::value& to);

/// One reference token of a JSON Pointer (RFC 6901): "~" as "~0", "/" as
/// "~1".
std::string pointer_token(std::string_view key);

} // namespace memoryd::diff
