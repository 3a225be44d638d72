#include "actors/event_codec.hpp"

#include <charconv>
#include <optional>

#include "actors/errors.hpp"
#include "actors/json_body.hpp"

namespace memoryd {

namespace {

constexpr int64_t max_event_page = 1000;

[[noreturn]] void invalid(std::string message) {
  throw request_error(error_type::validation, std::move(message));
}

/// The whole of `text` as a number in [min, max], or nullopt.
template <class T>
std::optional<T> whole_number(std::string_view text, T min, T max) {
  T n{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()
      || n < min || n > max)
    return std::nullopt;
  return n;
}

/// The JSON of an event's optional id field, or nothing for "".
void append_id(std::string& out, std::string_view name, const std::string& id) {
  out += ",\"";
  out += name;
  out += "\":";
  out += id.empty() ? std::string{"null"} : "\"" + id + "\"";
}

void append_event(std::string& out, const storage::event_record& e) {
  out += "{\"cursor\":\"" + encode_event_cursor(e.position) + "\",\"type\":\""
         + e.type + "\",\"at\":\"" + e.created_at + "\",\"session_id\":\""
         + e.session_id + "\"";
  append_id(out, "site_id", e.site_id);
  out += ",\"version\":";
  out += e.version > 0 ? std::to_string(e.version) : "null";
  out += ",\"agent\":" + agent_json(e.agent);
  if (e.type == "audit_added")
    append_id(out, "audit_id", e.ref_id);
  else if (e.type == "deployment_added")
    append_id(out, "deployment_id", e.ref_id);
  else if (e.type == "site_forked")
    append_id(out, "forked_from_site_id", e.ref_id);
  out += '}';
}

} // namespace

std::string encode_event_cursor(const storage::event_position& p) {
  return std::to_string(p.txid) + "-" + std::to_string(p.event_id);
}

storage::event_position decode_event_cursor(std::string_view cursor) {
  auto dash = cursor.find('-');
  if (cursor.size() > 41 || dash == std::string_view::npos)
    invalid("after is not a cursor of this feed");
  auto txid = whole_number<uint64_t>(cursor.substr(0, dash), 0,
                                     UINT64_MAX);
  auto id = whole_number<int64_t>(cursor.substr(dash + 1), 0, INT64_MAX);
  if (!txid || !id)
    invalid("after is not a cursor of this feed");
  return {*txid, *id};
}

event_query decode_event_query(const api_request& req) {
  for (const auto& [name, value] : req.query)
    if (name != "after" && name != "limit" && name != "wait")
      invalid("unknown query parameter \"" + name
              + "\": use after, limit and wait");
  event_query q;
  q.tenant = req.tenant;
  if (const auto* after = req.query_param("after")) {
    q.after = decode_event_cursor(*after);
    q.from_start = false;
  }
  if (const auto* limit = req.query_param("limit")) {
    auto n = whole_number<int64_t>(*limit, 1, max_event_page);
    if (!n)
      invalid("limit must be a whole number from 1 to "
              + std::to_string(max_event_page));
    q.limit = *n;
  }
  if (const auto* wait = req.query_param("wait")) {
    auto n = whole_number<int64_t>(*wait, 0, max_event_wait.count());
    if (!n)
      invalid("wait must be a whole number of seconds from 0 to "
              + std::to_string(max_event_wait.count()));
    q.wait_ms = *n * 1000;
  }
  return q;
}

std::string render_event_page(const storage::event_page& page) {
  std::string out = "{\"items\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0)
      out += ',';
    append_event(out, page.items[i]);
  }
  out += "],\"next_cursor\":\"" + encode_event_cursor(page.next) + "\"}";
  return out;
}

api_response gone_response(const storage::event_page& page,
                           std::string_view request_id) {
  const auto oldest = encode_event_cursor(page.horizon);
  api_response res;
  res.status = 410;
  res.body = "{\"error\":{\"type\":\"gone\",\"message\":"
             + json_quote("the cursor is older than the events kept "
                          "(EVENT_RETENTION_HOURS): resume from "
                          "oldest_cursor; what lay between was removed")
             + ",\"request_id\":" + json_quote(request_id)
             + ",\"oldest_cursor\":\"" + oldest + "\"}}";
  return res;
}

} // namespace memoryd
