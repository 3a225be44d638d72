#include "actors/session_routes.hpp"

#include "actors/conditional_get.hpp"

#include <functional>

#include <boost/json.hpp>

#include "actors/cursor.hpp"
#include "actors/conditional_get.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/merge_patch.hpp"
#include "actors/route_support.hpp"
#include "actors/session_codec.hpp"

namespace memoryd {

namespace {

api_response session_response(unsigned status, rendered& r) {
  api_response res{status, {{"ETag", etag(r.revision)}}, std::move(r.body)};
  return res;
}

template <class Handle>
const probed<Handle>& next_shard(front_pointer self,
                                 const std::vector<probed<Handle>>& shards) {
  return shards[self->state.next_shard++ % shards.size()];
}

void create_session(front_pointer self, exchange_ptr ex) {
  auto draft = decode_session_create(body_json(self, ex));
  const auto& w = self->state.wiring;
  ask<rendered>(
    self, ex, next_shard(self, w.sessions),
    [](rendered& r) {
      auto res = session_response(201, r);
      res.headers.emplace_back("Location", "/api/sessions/" + r.id);
      return res;
    },
    atom::create::value, std::move(draft), write_key_for(*ex));
}

void list_sessions(front_pointer self, exchange_ptr ex) {
  const auto& req = ex->request;
  storage::session_page_query q;
  q.tenant = req.tenant;
  q.limit = parse_limit(req.query_param("limit"));
  if (auto* cursor = req.query_param("cursor")) {
    auto pos = decode_cursor(*cursor);
    q.has_cursor = true;
    q.after_created_at = std::move(pos.created_at);
    q.after_session_id = std::move(pos.id);
  }
  if (auto* user = req.query_param("user_id")) {
    if (user->empty())
      throw request_error(error_type::validation, "user_id must not be empty");
    q.filter_user_id = true;
    q.user_id = *user;
  }
  const auto& w = self->state.wiring;
  ask<std::string>(self, ex, next_shard(self, w.sessions), list_response,
                   atom::list::value, std::move(q));
}

void get_session(front_pointer self, exchange_ptr ex) {
  const auto& id = ex->request.path_params.at(0);
  ask<rendered>(
    self, ex, shard_for(self->state.wiring.sessions, id),
    [](rendered& r) {
      auto res = session_response(200, r);
      res.headers.push_back(cache_header(r));
      return res;
    },
    atom::get::value, ex->request.tenant, id);
}

void put_session(front_pointer self, exchange_ptr ex) {
  const auto& req = ex->request;
  auto update = decode_session_update(body_json(self, ex));
  update.session_id = req.path_params.at(0);
  if (auto* if_match = req.header("if-match"))
    update.expected_revision = parse_if_match(*if_match);
  const auto& shard = shard_for(self->state.wiring.sessions, update.session_id);
  ask<rendered>(
    self, ex, shard, [](rendered& r) { return session_response(200, r); },
    atom::update::value, std::move(update), write_key_for(*ex));
}

void delete_session(front_pointer self, exchange_ptr ex) {
  const auto& id = ex->request.path_params.at(0);
  ask<rendered>(
    self, ex, shard_for(self->state.wiring.sessions, id),
    [](rendered&) { return api_response{204, {}, {}, ""}; }, atom::erase::value, id,
    write_key_for(*ex));
}

void put_preferences(front_pointer self, exchange_ptr ex) {
  auto patch = body_json(self, ex);
  validate_preferences(require_object(patch, "the preferences patch"), true);
  const auto& req = ex->request;
  const auto& id = req.path_params.at(0);
  int64_t expected_revision = -1;
  if (auto* if_match = req.header("if-match"))
    expected_revision = parse_if_match(*if_match);
  ask<rendered>(
    self, ex, shard_for(self->state.wiring.preferences, id),
    [](rendered& r) { return session_response(200, r); }, atom::merge::value,
    id, to_json_text(patch), expected_revision, write_key_for(*ex));
}

} // namespace

void serve_session_route(front_pointer self, exchange_ptr ex) {
  switch (ex->request.target) {
    case route::sessions_create: return create_session(self, ex);
    case route::sessions_list: return list_sessions(self, ex);
    case route::session_get: return get_session(self, ex);
    case route::session_put: return put_session(self, ex);
    case route::session_delete: return delete_session(self, ex);
    case route::preferences_put: return put_preferences(self, ex);
    default:
      throw std::logic_error("serve_session_route: not a session route");
  }
}

} // namespace memoryd
