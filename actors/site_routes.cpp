#include "actors/site_routes.hpp"


#include "actors/conditional_get.hpp"
#include "actors/cursor.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/route_support.hpp"
#include "actors/session_codec.hpp"
#include "actors/site_codec.hpp"

namespace memoryd {

namespace {

/// Asks the site actor responsible for `shard_key`; a rendered answer
/// becomes `status` with its body.
template <class... Ts>
void ask_site(front_pointer self, const exchange_ptr& ex,
              const std::string& shard_key, unsigned status, Ts&&... xs) {
  ask<rendered>(
    self, ex, shard_for(self->state.wiring.sites, shard_key),
    [status](rendered& r) { return api_response{status, {}, std::move(r.body)}; },
    std::forward<Ts>(xs)...);
}

template <class... Ts>
void ask_site_list(front_pointer self, const exchange_ptr& ex,
                   const std::string& shard_key, Ts&&... xs) {
  ask<std::string>(self, ex, shard_for(self->state.wiring.sites, shard_key),
                   list_response, std::forward<Ts>(xs)...);
}

void create_site(front_pointer self, exchange_ptr ex) {
  storage::site_record site;
  storage::new_version first;
  decode_site_create(body_json(self, ex), site, first);
  site.session_id = ex->request.path_params.at(0);
  // A new site has no shard yet: spread creations by session.
  auto key = site.session_id;
  ask<rendered>(
    self, ex, shard_for(self->state.wiring.sites, key),
    [](rendered& r) {
      return api_response{201, {{"Location", "/api/sessions/sites/" + r.id}},
                          std::move(r.body)};
    },
    atom::site_new::value, std::move(site), std::move(first),
    write_key_for(*ex));
}

void list_sites(front_pointer self, exchange_ptr ex) {
  const auto& req = ex->request;
  site_page_query q;
  q.tenant = req.tenant;
  q.session_id = req.path_params.at(0);
  q.limit = parse_limit(req.query_param("limit"));
  if (auto* cursor = req.query_param("cursor")) {
    auto pos = decode_cursor(*cursor);
    q.has_cursor = true;
    q.after_created_at = std::move(pos.created_at);
    q.after_site_id = std::move(pos.id);
  }
  auto key = q.session_id;
  ask_site_list(self, ex, key, atom::site_list::value, std::move(q));
}

void get_site(front_pointer self, exchange_ptr ex) {
  const auto& id = ex->request.path_params.at(0);
  ask<rendered>(
    self, ex, shard_for(self->state.wiring.sites, id),
    [](rendered& r) {
      return api_response{200, {cache_header(r), {"ETag", etag(r.revision)}},
                          std::move(r.body)};
    },
    atom::site_view::value, ex->request.tenant, id);
}

void fork_site(front_pointer self, exchange_ptr ex) {
  auto fork = decode_site_fork(body_json(self, ex));
  fork.source_site_id = ex->request.path_params.at(0);
  ask<rendered>(
    self, ex, shard_for(self->state.wiring.sites, fork.source_site_id),
    [](rendered& r) {
      return api_response{201, {{"Location", "/api/sessions/sites/" + r.id}},
                          std::move(r.body)};
    },
    atom::site_fork::value, std::move(fork), write_key_for(*ex));
}

void list_versions(front_pointer self, exchange_ptr ex) {
  const auto& req = ex->request;
  version_page_query q;
  q.tenant = req.tenant;
  q.site_id = req.path_params.at(0);
  q.limit = parse_limit(req.query_param("limit"));
  if (auto* cursor = req.query_param("cursor")) {
    try {
      q.before_version = parse_version_number(*cursor);
    } catch (const request_error&) {
      throw request_error(error_type::validation,
                          "cursor is not valid: pass next_cursor as returned");
    }
  }
  auto key = q.site_id;
  ask_site_list(self, ex, key, atom::ver_list::value, std::move(q));
}

} // namespace

void serve_site_route(front_pointer self, exchange_ptr ex) {
  const auto& params = ex->request.path_params;
  switch (ex->request.target) {
    case route::sites_create:
      return create_site(self, ex);
    case route::sites_list:
      return list_sites(self, ex);
    case route::site_get:
      return get_site(self, ex);
    case route::versions_create:
      return ask_site(self, ex, params.at(0), 201, atom::ver_add::value,
                      params.at(0), decode_version_create(body_json(self, ex)),
                      write_key_for(*ex));
    case route::versions_list:
      return list_versions(self, ex);
    case route::version_get:
      return ask_site(self, ex, params.at(0), 200, atom::ver_get::value,
                      ex->request.tenant, params.at(0),
                      parse_version_number(params.at(1)));
    case route::audits_create: {
      auto audit = decode_audit_create(body_json(self, ex));
      audit.site_id = params.at(0);
      return ask_site(self, ex, params.at(0), 201, atom::audit_add::value,
                      std::move(audit), write_key_for(*ex));
    }
    case route::deployments_create: {
      auto deployment = decode_deployment_create(body_json(self, ex));
      deployment.site_id = params.at(0);
      return ask_site(self, ex, params.at(0), 201, atom::deploy_add::value,
                      std::move(deployment), write_key_for(*ex));
    }
    case route::version_restore:
      return ask_site(self, ex, params.at(0), 201, atom::restore::value,
                      params.at(0),
                      decode_version_restore(body_json(self, ex),
                                             parse_version_number(params.at(1))),
                      write_key_for(*ex));
    case route::site_fork:
      return fork_site(self, ex);
    default:
      throw std::logic_error("serve_site_route: not a site route");
  }
}

} // namespace memoryd
