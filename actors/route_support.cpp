#include "actors/route_support.hpp"

#include "actors/actor_support.hpp"
#include "actors/errors.hpp"
#include "codec/sha256.hpp"

namespace memoryd {

namespace {

/// What a client may send as Idempotency-Key: 1 to 255 visible ASCII
/// characters (a UUID, a hash, "order-42/attempt"...).
constexpr std::size_t max_key_size = 255;

bool is_valid_key(const std::string& key) {
  if (key.empty() || key.size() > max_key_size)
    return false;
  for (unsigned char c : key)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
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
  if (const auto* client_key = req.header("idempotency-key")) {
    if (!is_valid_key(*client_key))
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
