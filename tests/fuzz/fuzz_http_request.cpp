// The bytes a client sends on one connection, through what http_session
// does with them: Beast's request parser with the daemon's header and body
// limits, fed as reads deliver them, message after message (pipelining);
// then the router, the bearer-token check, the request translation and the
// query and header parsers of the handlers; and the response written back,
// which must be one well-formed HTTP message echoing a safe request id.
// Errors must be the ones http_session maps to 400, 413 or 431.
//
// The first byte is how many bytes each read delivers (1..256); the rest is
// the byte stream.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <variant>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "actors/cursor.hpp"
#include "actors/errors.hpp"
#include "actors/session_codec.hpp"
#include "actors/site_codec.hpp"
#include "fuzz_support.hpp"
#include "net/access.hpp"
#include "net/http_message.hpp"
#include "net/request_id.hpp"
#include "net/router.hpp"
#include "net/server.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = memoryd::net;
using memoryd::fuzz::require;

/// The most requests one input may hold; enough to exercise pipelining.
constexpr int max_messages = 16;

const net::access_policy& policy() {
  static const net::access_policy p{{{"", "api-token"}, {"acme", "acme-token"}},
                                    {"admin-token"}};
  return p;
}

/// The response as the client reads it: one complete message, the status
/// and request id we meant.
void check_response(memoryd::api_response res, const std::string& request_id,
                    unsigned version, bool keep_alive) {
  const unsigned status = res.status;
  auto out = net::make_http_response(std::move(res), request_id, version,
                                     keep_alive);
  std::ostringstream wire;
  wire << out;
  auto text = wire.str();
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  beast::error_code ec;
  auto n = parser.put(boost::asio::buffer(text), ec);
  require(!ec, "our response parses: " + ec.message());
  require(parser.is_done() && n == text.size(),
          "our response is exactly one message");
  const auto& msg = parser.get();
  require(msg.result_int() == status, "the response has the status");
  require(msg["X-Request-Id"] == request_id, "the request id is echoed");
  require(net::is_valid_request_id(request_id), "the request id is safe");
}

/// What the handlers parse out of a routed request before any actor.
void parse_like_handlers(const memoryd::api_request& req) {
  auto attempt = [](auto parse) {
    try {
      parse();
    } catch (const memoryd::request_error& e) {
      require(e.type == memoryd::error_type::validation,
              "request parsing fails only with a validation error");
    }
  };
  attempt([&] { memoryd::parse_limit(req.query_param("limit")); });
  if (auto* cursor = req.query_param("cursor")) {
    attempt([&] { memoryd::decode_cursor(*cursor); });
    attempt([&] { memoryd::parse_version_number(*cursor); });
  }
  if (auto* tag = req.header("if-match"))
    attempt([&] { memoryd::parse_if_match(*tag); });
  if (req.target == memoryd::route::version_get
      || req.target == memoryd::route::version_diff
      || req.target == memoryd::route::version_restore)
    attempt([&] { memoryd::parse_version_number(req.path_params.at(1)); });
}

/// http_session::dispatch_request for one parsed request. Returns whether
/// the connection stays open.
bool dispatch(http::request<http::string_body> req, std::string request_id) {
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  require(version == 10 || version == 11, "only HTTP/1.0 and 1.1 get here");
  auto routed = net::match_route(req.method_string(), req.target());
  if (auto* error = std::get_if<net::route_error>(&routed)) {
    require(error->status == 400 || error->status == 404
              || error->status == 405,
            "the router answers 400, 404 or 405");
    require((error->status == 405) == !error->allow.empty(),
            "a 405 and only a 405 has Allow");
    check_response(memoryd::make_error_response(error->status, error->type,
                                                error->message, request_id),
                   request_id, version, keep_alive);
    return keep_alive;
  }
  auto& match = std::get<net::route_match>(routed);
  for (std::size_t i = 0; i < match.path_params.size(); ++i)
    if (!((match.target == memoryd::route::version_get
           || match.target == memoryd::route::version_diff
           || match.target == memoryd::route::version_restore)
          && i == 1))
      require(net::is_uuid(match.path_params[i])
                && match.path_params[i].find_first_of("ABCDEF")
                     == std::string::npos,
              "a routed id is a lower-case UUID");
  auto access = policy().authorize(match.target,
                                   req[http::field::authorization]);
  if (auto* denied = std::get_if<net::access_denied>(&access)) {
    require(denied->status == 401 || denied->status == 403,
            "access is refused with 401 or 403");
    check_response(memoryd::make_error_response(denied->status, denied->type,
                                                denied->message, request_id),
                   request_id, version, keep_alive);
    return keep_alive;
  }
  auto request = net::make_api_request(req, std::move(match), request_id);
  parse_like_handlers(request);
  check_response({200, {{"ETag", "\"1\""}}, "{}"}, request_id, version,
                 keep_alive);
  return keep_alive;
}

/// http_session::on_read_error: the errors it may see, and what it answers.
void read_error(const beast::error_code& ec,
                const http::request_parser<http::string_body>& parser) {
  auto request_id = net::request_id_of(parser.get());
  unsigned status = 400;
  if (ec == http::error::body_limit)
    status = 413;
  else if (ec == http::error::header_limit)
    status = 431;
  else
    require(ec.category() == http::make_error_code(http::error::bad_version)
                               .category(),
            "a read fails only with an HTTP parse error: " + ec.message());
  check_response(memoryd::make_error_response(status,
                                              memoryd::error_type::validation,
                                              "malformed request", request_id),
                 request_id, 11, false);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  const std::size_t read_size = std::size_t{data[0]} + 1;
  auto stream = memoryd::fuzz::as_text(data + 1, size - 1);
  const net::server_options defaults;
  beast::flat_buffer buffer;
  std::size_t delivered = 0;
  for (int m = 0; m < max_messages; ++m) {
    if (buffer.size() == 0 && delivered == stream.size())
      return 0; // the client closed between requests
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(defaults.max_header_bytes));
    parser.body_limit(defaults.max_body_bytes);
    beast::error_code ec;
    // http::read's loop: parse what is buffered, read more when it needs
    // more, and at the end of the stream tell the parser so.
    bool header_checked = false;
    while (!parser.is_done()) {
      if (parser.is_header_done() && !header_checked) {
        // http_session::on_header: framing Beast lets through is refused.
        header_checked = true;
        const auto& header = parser.get();
        if (!net::framing_error(header, header.version()).empty()) {
          auto request_id = net::request_id_of(header);
          check_response(memoryd::make_error_response(
                           400, memoryd::error_type::validation,
                           "malformed request", request_id),
                         request_id, header.version(), false);
          return 0; // answered, and the session closes
        }
      }
      if (buffer.size() > 0) {
        if (parser.is_header_done())
          parser.eager(true); // as async_read for the body
        auto n = parser.put(buffer.data(), ec);
        buffer.consume(n);
        if (ec == http::error::need_more)
          ec = {};
        else if (ec)
          break;
        if (parser.is_done() || n > 0)
          continue;
      }
      if (delivered == stream.size()) {
        if (parser.got_some())
          parser.put_eof(ec);
        else
          ec = http::error::end_of_stream;
        break;
      }
      auto n = std::min(read_size, stream.size() - delivered);
      auto space = buffer.prepare(n);
      std::memcpy(space.data(), stream.data() + delivered, n);
      buffer.commit(n);
      delivered += n;
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message)
      return 0; // the client left mid-request: the session just closes
    if (ec) {
      read_error(ec, parser);
      return 0; // answered, and the session closes
    }
    require(parser.is_done(), "a read ends with an error or a message");
    if (!header_checked
        && !net::framing_error(parser.get(), parser.get().version()).empty())
      return 0; // refused as above, once its header was read
    require(!parser.get().has_content_length()
              || parser.get()[http::field::transfer_encoding].empty(),
            "no request is dispatched with two framings");
    auto request_id = net::request_id_of(parser.get());
    if (!dispatch(parser.release(), std::move(request_id)))
      return 0;
  }
  return 0;
}
