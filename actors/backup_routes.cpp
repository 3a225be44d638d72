#include "actors/backup_routes.hpp"

#include <boost/json.hpp>
#include <caf/timestamp.hpp>

#include "actors/backup_body.hpp"
#include "actors/errors.hpp"
#include "actors/route_support.hpp"

namespace memoryd {

namespace {

void export_session(front_pointer self, exchange_ptr ex) {
  auto wanted = decode_export_request(body_json(self, ex));
  ask<std::string>(
    self, ex, self->state.wiring.backup,
    [](std::string& out) { return api_response{200, {}, std::move(out)}; },
    atom::export_::value, ex->request.tenant, std::move(wanted.session_id),
    wanted.include_sites, wanted.compress);
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
