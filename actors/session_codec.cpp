#include "actors/session_codec.hpp"

#include <charconv>

#include <boost/json.hpp>

#include "actors/cursor.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/merge_patch.hpp"

namespace memoryd {

namespace {

namespace json = boost::json;

constexpr std::size_t max_user_id_bytes = 256;

[[noreturn]] void invalid(const std::string& message) {
  throw request_error(error_type::validation, message);
}

/// user_id: a non-empty string of at most 256 bytes, or null.
void read_user_id(const json::value& v, bool& has, std::string& out) {
  if (v.is_null()) {
    has = false;
    out.clear();
    return;
  }
  if (!v.is_string() || v.get_string().empty()
      || v.get_string().size() > max_user_id_bytes)
    invalid("user_id must be a non-empty string of at most 256 bytes, or null");
  reject_nul(v, "user_id");
  has = true;
  out = v.get_string();
}

std::string read_state(const json::value& v) {
  if (!v.is_object())
    invalid("state must be a JSON object");
  reject_nul(v, "state");
  return to_json_text(v);
}

std::string read_preferences(const json::value& v) {
  if (!v.is_object())
    invalid("preferences must be a JSON object");
  validate_preferences(v.get_object(), false);
  return to_json_text(v);
}

void append_session(std::string& out, const storage::session_record& s) {
  out += "{\"session_id\":\"";
  out += s.session_id;
  out += "\",\"user_id\":";
  out += s.has_user_id ? json_quote(s.user_id) : "null";
  out += ",\"state\":";
  out += s.state_json;
  out += ",\"preferences\":";
  out += s.preferences_json;
  out += ",\"revision\":";
  out += std::to_string(s.revision);
  out += ",\"created_by\":";
  out += agent_json(s.created_by);
  out += ",\"updated_by\":";
  out += agent_json(s.updated_by);
  out += ",\"created_at\":\"";
  out += s.created_at;
  out += "\",\"updated_at\":\"";
  out += s.updated_at;
  out += "\"}";
}

} // namespace

storage::session_record decode_session_create(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"user_id", "state", "preferences"});
  storage::session_record s;
  if (auto* v = obj.if_contains("user_id"))
    read_user_id(*v, s.has_user_id, s.user_id);
  if (auto* v = obj.if_contains("state"))
    s.state_json = read_state(*v);
  if (auto* v = obj.if_contains("preferences"))
    s.preferences_json = read_preferences(*v);
  return s;
}

storage::session_update decode_session_update(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"user_id", "state", "preferences"});
  storage::session_update u;
  if (auto* v = obj.if_contains("user_id")) {
    u.set_user_id = true;
    read_user_id(*v, u.has_user_id, u.user_id);
  }
  if (auto* v = obj.if_contains("state")) {
    u.set_state = true;
    u.state_json = read_state(*v);
  }
  if (auto* v = obj.if_contains("preferences")) {
    u.set_preferences = true;
    u.preferences_json = read_preferences(*v);
  }
  return u;
}

storage::session_record decode_archived_session(const json::value& v) {
  const auto& obj = require_object(v, "session");
  reject_unknown_fields(obj, {"session_id", "user_id", "state", "preferences",
                              "revision", "created_by", "updated_by",
                              "created_at", "updated_at"});
  storage::session_record s;
  s.created_by = optional_agent(obj, "created_by");
  s.updated_by = optional_agent(obj, "updated_by");
  if (auto* user = obj.if_contains("user_id"))
    read_user_id(*user, s.has_user_id, s.user_id);
  for (const char* key : {"state", "preferences"})
    if (!obj.contains(key))
      invalid(std::string{"session "} + key + " is required");
  s.state_json = read_state(obj.at("state"));
  s.preferences_json = read_preferences(obj.at("preferences"));
  if (auto* revision = obj.if_contains("revision")) {
    if (!revision->is_int64() || revision->get_int64() < 1)
      invalid("session revision must be a whole number from 1");
    s.revision = revision->get_int64();
  }
  return s;
}

std::string render_session(const storage::session_record& s) {
  std::string out;
  out.reserve(160 + s.state_json.size() + s.preferences_json.size());
  append_session(out, s);
  return out;
}

std::string render_preferences(const storage::session_record& s) {
  return "{\"session_id\":\"" + s.session_id + "\",\"preferences\":"
         + s.preferences_json + "}";
}

std::string render_session_page(const storage::session_page& page) {
  std::string out = "{\"items\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0)
      out += ',';
    append_session(out, page.items[i]);
  }
  out += "],\"next_cursor\":";
  if (page.has_more && !page.items.empty()) {
    const auto& last = page.items.back();
    out += '"' + encode_cursor({last.created_at, last.session_id}) + '"';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

std::size_t parse_limit(const std::string* value) {
  if (value == nullptr)
    return 20;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (value->empty() || ec != std::errc{} || end != value->data() + value->size()
      || n < 1 || n > 100)
    invalid("limit must be a whole number from 1 to 100");
  return n;
}

int64_t parse_if_match(std::string_view value) {
  auto v = value;
  if (v == "*")
    return -1;
  // A weak tag (W/"7") never matches in If-Match (RFC 9110 13.1.1), and we
  // only hand out strong ones: it falls through to the error below.
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
    v = v.substr(1, v.size() - 2);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n < 1)
    invalid("If-Match must be an ETag this API returned, e.g. \"3\"");
  return n;
}

} // namespace memoryd
