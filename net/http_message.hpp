#pragma once

// Translation between Beast messages and the plain api structs: pure
// functions, no sockets, so they are unit-tested alone. Net-internal header
// (it includes Beast); not for use outside net/.

#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "actors/api.hpp"
#include "net/router.hpp"

namespace memoryd::net {

using http_request =
  boost::beast::http::request<boost::beast::http::string_body>;
using http_response =
  boost::beast::http::response<boost::beast::http::string_body>;

/// The client's X-Request-Id when usable, else a new one. Works on partly
/// parsed headers too, so that early error responses can echo it.
std::string request_id_of(const boost::beast::http::fields& fields);

/// Why the framing of a request whose header was read cannot be trusted,
/// or "" when it can. Beast refuses Content-Length with Transfer-Encoding
/// and repeated or malformed lengths; this adds what it lets through (RFC
/// 9112 6.1, 6.3): a Transfer-Encoding other than exactly `chunked` (say
/// `gzip`, or `chunked, gzip`), whose body Beast would take as empty and
/// the body's bytes as the next request, and any Transfer-Encoding in an
/// HTTP/1.0 request. The session answers 400 and closes.
std::string framing_error(const boost::beast::http::fields& fields,
                          unsigned version);

/// The request handed to dispatch: route and parameters from `match`, the
/// forwarded headers (lower-case names) and the body, moved out of `req`.
api_request make_api_request(http_request& req, route_match match,
                             std::string request_id);

/// The HTTP message for `res`: its status, Content-Type, headers and body,
/// plus Content-Length, X-Request-Id, Server, Date and the Connection header
/// that `keep_alive` needs under `version` (Beast's 10 or 11). Framing
/// headers among res.headers (Content-Length, Transfer-Encoding, Connection)
/// are dropped: framing is the server's business. A status outside 200..599
/// is a handler bug and becomes a 500 envelope.
http_response make_http_response(api_response res, std::string_view request_id,
                                 unsigned version, bool keep_alive);

} // namespace memoryd::net
