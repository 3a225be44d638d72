#include "net/http_message.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <utility>

#include <boost/beast/core/string.hpp>

#include "net/request_id.hpp"

namespace memoryd::net {

namespace http = boost::beast::http;

namespace {

/// The request headers handlers may look at. Everything else stays in net/.
constexpr auto forwarded_headers = std::to_array<std::string_view>({
  "accept",
  "content-type",
  "idempotency-key",
  "x-agent-id",
  "if-match",
  "if-none-match",
});

bool is_framing_header(std::string_view name) {
  using boost::beast::iequals;
  return iequals(name, "content-length") || iequals(name, "transfer-encoding")
         || iequals(name, "connection");
}

/// RFC 9110 15.3.5, 15.4.5: these responses never have content.
bool has_no_content(unsigned status) {
  return status == 204 || status == 304;
}

/// The current time as an IMF-fixdate (RFC 9110 5.6.7), formatted once a
/// second per thread. Not strftime: its names follow the locale.
std::string_view http_date() {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed",
                                         "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr",
                                           "May", "Jun", "Jul", "Aug",
                                           "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t formatted_at = -1;
  thread_local std::array<char, 32> text{};
  auto now = std::time(nullptr);
  if (now != formatted_at) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::snprintf(text.data(), text.size(),
                  "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    formatted_at = now;
  }
  return text.data();
}

} // namespace

std::string request_id_of(const http::fields& fields) {
  // An absent field reads as "", which is not a valid id.
  std::string_view client_id = fields["X-Request-Id"];
  return choose_request_id(client_id);
}

std::string framing_error(const http::fields& fields, unsigned version) {
  auto [first, last] = fields.equal_range(http::field::transfer_encoding);
  if (first == last)
    return {};
  if (version < 11)
    return "Transfer-Encoding in an HTTP/1.0 request";
  std::string_view coding = first->value();
  while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t'))
    coding.remove_prefix(1);
  while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t'))
    coding.remove_suffix(1);
  if (std::next(first) != last || !boost::beast::iequals(coding, "chunked"))
    return "Transfer-Encoding other than chunked";
  return {};
}

api_request make_api_request(http_request& req, route_match match,
                             std::string request_id) {
  api_request out;
  out.target = match.target;
  out.request_id = std::move(request_id);
  out.path_params = std::move(match.path_params);
  out.query = std::move(match.query);
  for (auto name : forwarded_headers) {
    auto [first, last] = req.equal_range(name);
    for (auto it = first; it != last; ++it)
      out.headers.emplace_back(name, it->value());
  }
  out.body = std::move(req.body());
  return out;
}

http_response make_http_response(api_response res, std::string_view request_id,
                                 unsigned version, bool keep_alive) {
  if (res.status < 200 || res.status > 599)
    res = make_error_response(500, error_type::internal,
                              "the handler answered with status "
                                + std::to_string(res.status),
                              request_id);
  http_response out;
  out.version(version);
  out.result(res.status);
  for (auto& [name, value] : res.headers)
    if (!is_framing_header(name))
      out.insert(name, value);
  // Set after the handler's headers so that these win over duplicates.
  out.set(http::field::server, "memoryd");
  out.set(http::field::date, http_date());
  out.set("X-Request-Id", request_id);
  if (has_no_content(res.status)) {
    // No Content-Length either (RFC 9110 8.6); a body here is a handler bug.
    out.erase(http::field::content_type);
  } else {
    if (!res.content_type.empty())
      out.set(http::field::content_type, res.content_type);
    out.body() = std::move(res.body);
    out.prepare_payload();
  }
  out.keep_alive(keep_alive);
  return out;
}

} // namespace memoryd::net
