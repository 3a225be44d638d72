#pragma once

// The e2e tests' view of the daemon: an HTTP client that parses JSON bodies
// and checks the error envelope.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "net/http_client.hpp"

namespace memoryd::test {

struct api_reply {
  unsigned status = 0;
  net::http_result raw;
  boost::json::value json;  // null when the body is empty or not JSON

  std::string header(std::string_view name) const { return raw.header(name); }
  const boost::json::object& object() const { return json.as_object(); }
  /// The error envelope's type; throws when the body is not an envelope.
  std::string error_type() const;
};

/// The string member `key` of the object `v` (throws when it is not one).
inline std::string text(const boost::json::value& v, std::string_view key) {
  return std::string{v.as_object().at(key).as_string()};
}

class api_client {
public:
  explicit api_client(uint16_t port);

  api_reply call(std::string_view method, std::string_view target,
                 std::string_view body = {},
                 std::vector<std::pair<std::string, std::string>> headers = {});

  api_reply get(std::string_view target) { return call("GET", target); }
  api_reply post(std::string_view target, const boost::json::value& body) {
    return call("POST", target, boost::json::serialize(body));
  }
  api_reply put(std::string_view target, const boost::json::value& body,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    return call("PUT", target, boost::json::serialize(body), std::move(headers));
  }
  api_reply del(std::string_view target) { return call("DELETE", target); }

  /// POST /api/sessions with `body`; checks 201 and returns the session.
  boost::json::object create_session(const boost::json::value& body
                                     = boost::json::object{});

  /// GET `target` (a list route); how many items its page holds.
  std::size_t item_count(std::string_view target);

  /// Sends `Authorization: Bearer <token>` with every later call (none when
  /// empty).
  void set_token(std::string token) { token_ = std::move(token); }

private:
  net::http_client http_;
  std::string token_;
};

} // namespace memoryd::test
