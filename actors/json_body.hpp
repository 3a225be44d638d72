#pragma once

// Reading request bodies: JSON parsing with a nesting limit, and typed field
// access that reports the offending field in a validation error.

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

namespace memoryd {

/// Parses `body` (an empty body is `{}`); throws request_error(validation)
/// for bad JSON, invalid UTF-8, nesting deeper than `max_depth` or a number
/// beyond the range of a double (see require_finite_numbers).
boost::json::value parse_json_body(std::string_view body, std::size_t max_depth);

/// Throws request_error(validation) when `v` holds a number beyond the
/// range of a double (1e400): the parser reads it as infinity, which JSON
/// cannot write back, so it could be neither stored nor returned.
void require_finite_numbers(const boost::json::value& v);

/// Throws request_error(validation) "<what> must not contain U+0000" when a
/// string or an object key anywhere in `v` holds U+0000: PostgreSQL can
/// store it neither in text nor in jsonb, so both backends refuse it.
void reject_nul(const boost::json::value& v, std::string_view what);

/// Parses JSON this process wrote or already validated (stored columns, a
/// checked patch), allowing the deepest nesting any setting permits.
boost::json::value parse_trusted_json(std::string_view text);

/// The body as an object, or request_error "the body must be a JSON object".
const boost::json::object& require_object(const boost::json::value& v,
                                          std::string_view what = "the body");

/// Rejects fields of `obj` that are not in `allowed`, naming the first one.
void reject_unknown_fields(const boost::json::object& obj,
                           std::initializer_list<std::string_view> allowed);

/// Compact JSON text of `v`, like boost::json::serialize but with numbers
/// as people write them: 0.1 stays "0.1", not Boost's "1E-1".
std::string to_json_text(const boost::json::value& v);

/// JSON text of a string (quoted and escaped).
std::string json_quote(std::string_view s);

} // namespace memoryd
