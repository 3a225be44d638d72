#pragma once

// Reading request bodies: JSON parsing with a nesting limit, and typed field
// access that reports the offending field in a validation error.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/error.hpp>
#include <boost/json/fwd.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

namespace memoryd {

/// A JSON parser that reads numbers exactly: a double is read from its text
/// with std::from_chars (correctly rounded), where Boost.JSON 1.81's own
/// parser is off by some units in the last place (2.333331111161111e+40)
/// and reads DBL_MAX written out in full, as PostgreSQL's jsonb returns it,
/// as infinity. Otherwise what boost::json::stream_parser does, which
/// every parse of this process goes through instead. Streams: write() any
/// number of pieces, then finish() and release().
class json_reader {
public:
  /// Nests at most `max_depth` deep; `sp` holds the value and the parser's
  /// stack.
  explicit json_reader(std::size_t max_depth, boost::json::storage_ptr sp = {});
  ~json_reader();
  json_reader(const json_reader&) = delete;
  json_reader& operator=(const json_reader&) = delete;

  /// The next piece of the text; sets `ec` on a syntax error, on more than
  /// one value, or when the nesting is too deep (error::too_deep).
  void write(std::string_view piece, boost::json::error_code& ec);

  /// The end of the text; sets `ec` when the value is incomplete.
  void finish(boost::json::error_code& ec);

  /// The value, after finish() without error.
  boost::json::value release();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

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

/// An agent id (provenance) as JSON: the quoted id, or null for "".
std::string agent_json(const std::string& agent);

/// The agent id in `obj[key]` of an export document: "" when absent or
/// null, else 1 to 128 visible ASCII characters (as X-Agent-Id).
std::string optional_agent(const boost::json::object& obj,
                           std::string_view key);

} // namespace memoryd
