#include "tests/e2e/api_client.hpp"

#include <stdexcept>

namespace memoryd::test {

std::string api_reply::error_type() const {
  const auto& error = json.at("error").as_object();
  if (!error.at("message").is_string() || error.at("message").as_string().empty()
      || !error.at("request_id").is_string())
    throw std::runtime_error("malformed error envelope: "
                             + boost::json::serialize(json));
  return std::string{error.at("type").as_string()};
}

api_client::api_client(uint16_t port) : http_("127.0.0.1", port) {
  // nop
}

api_reply api_client::call(std::string_view method, std::string_view target,
                           std::string_view body,
                           std::vector<std::pair<std::string, std::string>> headers) {
  api_reply reply;
  if (!token_.empty())
    headers.emplace_back("Authorization", "Bearer " + token_);
  reply.raw = http_.request(method, target, body, headers);
  reply.status = reply.raw.status;
  boost::json::error_code ec;
  if (!reply.raw.body.empty())
    reply.json = boost::json::parse(reply.raw.body, ec);
  if (ec)
    reply.json = nullptr;
  return reply;
}

boost::json::object api_client::create_session(const boost::json::value& body) {
  auto reply = post("/api/sessions", body);
  if (reply.status != 201)
    throw std::runtime_error("create_session: " + std::to_string(reply.status)
                             + " " + reply.raw.body);
  return reply.object();
}

std::size_t api_client::item_count(std::string_view target) {
  auto reply = get(target);
  if (reply.status != 200 || !reply.json.is_object())
    throw std::runtime_error("item_count " + std::string{target} + ": "
                             + std::to_string(reply.status) + " " + reply.raw.body);
  return reply.object().at("items").as_array().size();
}

} // namespace memoryd::test
