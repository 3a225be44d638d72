#include "actors/session_routes.hpp"

#include <functional>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <boost/json.hpp>

#include "actors/cursor.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/merge_patch.hpp"
#include "actors/route_support.hpp"
#include "actors/session_codec.hpp"

namespace memoryd {

namespace {

std::string etag(int64_t revision) {
  return "\"" + std::to_string(revision) + "\"";
}

api_response session_response(unsigned status, rendered& r) {
  api_response res{status, {{"ETag", etag(r.revision)}}, std::move(r.body)};
  return res;
}

template <class Handle>
const Handle& next_shard(front_pointer self, const std::vector<Handle>& shards) {
  return shards[self->state.next_shard++ % shards.size()];
}

void create_session(front_pointer self, exchange_ptr ex) {
  auto draft = decode_session_create(body_json(self, ex));
  const auto& w = self->state.wiring;
  self
    ->request(next_shard(self, w.sessions), w.options.request_timeout,
              atom::create::value, std::move(draft))
    .then(
      [=](rendered& r) {
        auto res = session_response(201, r);
        res.headers.emplace_back("Location", "/api/sessions/" + r.id);
        ex->respond(std::move(res));
      },
      [=](caf::error& err) { ex->fail(err); });
}

void list_sessions(front_pointer self, exchange_ptr ex) {
  const auto& req = ex->request;
  storage::session_page_query q;
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
  self
    ->request(next_shard(self, w.sessions), w.options.request_timeout,
              atom::list::value, std::move(q))
    .then([=](std::string& body) { ex->respond({200, {}, std::move(body)}); },
          [=](caf::error& err) { ex->fail(err); });
}

void get_session(front_pointer self, exchange_ptr ex) {
  const auto& id = ex->request.path_params.at(0);
  const auto& w = self->state.wiring;
  self
    ->request(shard_for(w.sessions, id), w.options.request_timeout,
              atom::get::value, id)
    .then(
      [=](rendered& r) {
        auto res = session_response(200, r);
        res.headers.emplace_back("X-Cache", r.cache_hit ? "hit" : "miss");
        ex->respond(std::move(res));
      },
      [=](caf::error& err) { ex->fail(err); });
}

void put_session(front_pointer self, exchange_ptr ex) {
  const auto& req = ex->request;
  auto update = decode_session_update(body_json(self, ex));
  update.session_id = req.path_params.at(0);
  if (auto* if_match = req.header("if-match"))
    update.expected_revision = parse_if_match(*if_match);
  const auto& w = self->state.wiring;
  self
    ->request(shard_for(w.sessions, update.session_id),
              w.options.request_timeout, atom::update::value, std::move(update))
    .then([=](rendered& r) { ex->respond(session_response(200, r)); },
          [=](caf::error& err) { ex->fail(err); });
}

void delete_session(front_pointer self, exchange_ptr ex) {
  const auto& id = ex->request.path_params.at(0);
  const auto& w = self->state.wiring;
  self
    ->request(shard_for(w.sessions, id), w.options.request_timeout,
              atom::erase::value, id)
    .then(
      [=](bool) { ex->respond({204, {}, {}, ""}); },
      [=](caf::error& err) { ex->fail(err); });
}

void put_preferences(front_pointer self, exchange_ptr ex) {
  auto patch = body_json(self, ex);
  validate_preferences(require_object(patch, "the preferences patch"), true);
  const auto& id = ex->request.path_params.at(0);
  const auto& w = self->state.wiring;
  self
    ->request(shard_for(w.preferences, id), w.options.request_timeout,
              atom::merge::value, id, to_json_text(patch))
    .then([=](rendered& r) { ex->respond(session_response(200, r)); },
          [=](caf::error& err) { ex->fail(err); });
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
