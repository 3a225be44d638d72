#include "actors/route_support.hpp"

#include "actors/actor_support.hpp"
#include "actors/errors.hpp"
#include "codec/sha256.hpp"

namespace memoryd {

namespace {

/// What a client may send as Idempotency-Key: 1 to 255 visible ASCII
/// characters (a UUID, a hash, "order-42/attempt"...).
constexpr std::size_t max_key_size = 255;

/// What a client may send as X-Agent-Id: 1 to 128 visible ASCII
/// characters.
constexpr std::size_t max_agent_size = 128;

/// 1 to `max` visible ASCII characters.
bool is_visible_ascii(const std::string& text, std::size_t max) {
  if (text.empty() || text.size() > max)
    return false;
  for (unsigned char c : text)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

/// The agent a write records: the token's when it is bound to one (a
/// header naming another is refused: an agent cannot write as another),
/// else X-Agent-Id, else none.
std::string agent_of(const api_request& req) {
  const auto* header = req.header("x-agent-id");
  if (header != nullptr && !is_visible_ascii(*header, max_agent_size))
    throw request_error(error_type::validation,
                        "X-Agent-Id must be 1 to 128 visible ASCII "
                        "characters");
  if (!req.token_agent.empty()) {
    if (header != nullptr && *header != req.token_agent)
      throw request_error(error_type::forbidden,
                          "this token writes as agent \""
                            + req.token_agent
                            + "\": X-Agent-Id cannot name another");
    return req.token_agent;
  }
  return header != nullptr ? *header : std::string{};
}

/// What makes two requests "the same" for a repeated key. Each part is
/// preceded by its length, so no two different requests share an input.
std::string fingerprint(const api_request& req) {
  std::string input;
  auto add = [&](std::string_view part) {
    input += std::to_string(part.size());
    input += ':';
    input += part;
  };
  add(to_string(req.target));
  for (const auto& p : req.path_params)
    add(p);
  for (const auto& [name, value] : req.query) {
    add(name);
    add(value);
  }
  const auto* if_match = req.header("if-match");
  add(if_match != nullptr ? *if_match : std::string_view{});
  add(req.body);
  return codec::sha256_hex(input);
}

} // namespace

storage::write_key write_key_for(const exchange& ex) {
  const auto& req = ex.request;
  storage::write_key key;
  key.tenant = req.tenant;
  key.operation = std::string{to_string(req.target)};
  key.agent = agent_of(req);
  if (const auto* client_key = req.header("idempotency-key")) {
    if (!is_visible_ascii(*client_key, max_key_size))
      throw request_error(error_type::validation,
                          "Idempotency-Key must be 1 to 255 visible ASCII "
                          "characters");
    key.from_client = true;
    key.key = *client_key;
    key.request_sha256 = fingerprint(req);
  } else {
    key.key = new_uuid();
  }
  return key;
}

} // namespace memoryd
