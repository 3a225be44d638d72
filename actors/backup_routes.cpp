#include "actors/backup_routes.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>
#include <caf/timestamp.hpp>

#include "actors/errors.hpp"
#include "actors/route_support.hpp"
#include "storage/uuid.hpp"

namespace memoryd {

namespace {

namespace json = boost::json;

[[noreturn]] void invalid(const std::string& message) {
  throw request_error(error_type::validation, message);
}

bool optional_flag(const json::object& obj, std::string_view key, bool fallback) {
  auto* v = obj.if_contains(key);
  if (v == nullptr)
    return fallback;
  if (!v->is_bool())
    invalid(std::string{key} + " must be true or false");
  return v->get_bool();
}

/// {"session_id", "include_sites"? (true), "compress"? (true)}
void export_session(front_pointer self, exchange_ptr ex) {
  auto body = body_json(self, ex);
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"session_id", "include_sites", "compress"});
  auto* id = obj.if_contains("session_id");
  if (id == nullptr)
    invalid("session_id is required");
  std::string session_id = id->is_string() ? std::string{id->get_string()} : "";
  std::transform(session_id.begin(), session_id.end(), session_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!storage::is_canonical_uuid(session_id))
    invalid("session_id must be a session's UUID");
  ask<std::string>(
    self, ex, self->state.wiring.backup,
    [](std::string& out) { return api_response{200, {}, std::move(out)}; },
    atom::export_::value, ex->request.tenant, std::move(session_id),
    optional_flag(obj, "include_sites", true), optional_flag(obj, "compress", true));
}

void import_session(front_pointer self, exchange_ptr ex) {
  // The commit must come before this actor gives up on the answer (and says
  // 504): a failed request changes nothing.
  const auto commit_by =
    caf::make_timestamp() + self->state.wiring.options.request_timeout * 9 / 10;
  auto key = write_key_for(*ex);  // its fingerprint reads the body: first
  ask<rendered>(
    self, ex, self->state.wiring.backup,
    [](rendered& r) {
      return api_response{201,
                          {{"Location", "/api/sessions/" + r.id}},
                          std::move(r.body)};
    },
    atom::import_::value, std::move(ex->request.body), commit_by,
    std::move(key));
}

} // namespace

void serve_backup_route(front_pointer self, exchange_ptr ex) {
  switch (ex->request.target) {
    case route::sessions_export: return export_session(self, ex);
    case route::sessions_import: return import_session(self, ex);
    default:
      throw std::logic_error("serve_backup_route: not an export/import route");
  }
}

} // namespace memoryd
