#include "actors/api.hpp"

#include <boost/json.hpp>

namespace memoryd {

std::string_view to_string(route r) {
  switch (r) {
    case route::healthz: return "healthz";
    case route::readyz: return "readyz";
    case route::sessions_create: return "sessions_create";
    case route::sessions_list: return "sessions_list";
    case route::session_get: return "session_get";
    case route::session_put: return "session_put";
    case route::session_delete: return "session_delete";
    case route::preferences_put: return "preferences_put";
    case route::sites_create: return "sites_create";
    case route::sites_list: return "sites_list";
    case route::site_get: return "site_get";
    case route::versions_create: return "versions_create";
    case route::versions_list: return "versions_list";
    case route::version_get: return "version_get";
    case route::version_diff: return "version_diff";
    case route::audits_create: return "audits_create";
    case route::deployments_create: return "deployments_create";
    case route::version_restore: return "version_restore";
    case route::site_fork: return "site_fork";
    case route::sessions_export: return "sessions_export";
    case route::sessions_import: return "sessions_import";
    case route::events_list: return "events_list";
    case route::admin_cleanup: return "admin_cleanup";
    case route::admin_stats: return "admin_stats";
    case route::metrics: return "metrics";
  }
  return "unknown";
}

std::string_view to_string(error_type t) {
  switch (t) {
    case error_type::validation: return "validation";
    case error_type::unauthorized: return "unauthorized";
    case error_type::forbidden: return "forbidden";
    case error_type::not_found: return "not_found";
    case error_type::conflict: return "conflict";
    case error_type::precondition_failed: return "precondition_failed";
    case error_type::payload_too_large: return "payload_too_large";
    case error_type::gone: return "gone";
    case error_type::storage: return "storage";
    case error_type::network: return "network";
    case error_type::unavailable: return "unavailable";
    case error_type::internal: return "internal";
  }
  return "internal";
}

namespace {

unsigned default_status(error_type t) {
  switch (t) {
    case error_type::validation: return 400;
    case error_type::unauthorized: return 401;
    case error_type::forbidden: return 403;
    case error_type::not_found: return 404;
    case error_type::conflict: return 409;
    case error_type::precondition_failed: return 412;
    case error_type::payload_too_large: return 413;
    case error_type::gone: return 410;
    case error_type::storage: return 503;
    case error_type::network: return 504;
    case error_type::unavailable: return 503;
    case error_type::internal: return 500;
  }
  return 500;
}

template <class List>
const std::string* find_value(const List& list, std::string_view name) {
  for (const auto& [key, value] : list)
    if (key == name)
      return &value;
  return nullptr;
}

} // namespace

const std::string* api_request::query_param(std::string_view name) const {
  return find_value(query, name);
}

const std::string* api_request::header(std::string_view name) const {
  return find_value(headers, name);
}

api_response make_error_response(unsigned status, error_type type,
                                 std::string_view message,
                                 std::string_view request_id) {
  boost::json::object error;
  error["type"] = to_string(type);
  error["message"] = message;
  error["request_id"] = request_id;
  boost::json::object envelope;
  envelope["error"] = std::move(error);
  api_response res;
  res.status = status;
  res.body = boost::json::serialize(envelope);
  if (type == error_type::unavailable)
    res.headers.emplace_back("Retry-After", "1");
  return res;
}

api_response make_error_response(error_type type, std::string_view message,
                                 std::string_view request_id) {
  return make_error_response(default_status(type), type, message, request_id);
}

} // namespace memoryd
