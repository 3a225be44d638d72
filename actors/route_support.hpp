#pragma once

// What the route handlers of the front actor share: picking the shard of an
// id, reading the request body, and asking a domain actor.

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/json/value.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/front_actor.hpp"
#include "actors/json_body.hpp"
#include "actors/probed.hpp"

namespace memoryd {

/// The shard responsible for `id`: one entity's requests stay in order.
template <class Handle>
const probed<Handle>& shard_for(const std::vector<probed<Handle>>& shards,
                                const std::string& id) {
  return shards[std::hash<std::string>{}(id) % shards.size()];
}

/// The request body as JSON, with the configured depth limit.
inline boost::json::value body_json(front_pointer self, const exchange_ptr& ex) {
  return parse_json_body(ex->request.body,
                         self->state.wiring.options.max_json_depth);
}

/// The key of the write `ex` asks for: the client's Idempotency-Key (with
/// the fingerprint of the request: route, path and query parameters,
/// If-Match and body), or a new one the daemon makes. Throws request_error
/// for a malformed key.
storage::write_key write_key_for(const exchange& ex);

/// Whether `r` writes (its answer is a committed write with an event).
constexpr bool is_write(route r) {
  return r != route::session_get && r != route::site_get
         && r != route::version_get;
}

/// Asks `dest` (a probed actor or a pool; with the request's deadline) and
/// answers the HTTP request: a `Result` through `to_response`, an error
/// with the envelope. A replayed write says so (Idempotent-Replayed: true).
template <class Result, class Dest, class ToResponse, class Atom, class... Ts>
void ask(front_pointer self, const exchange_ptr& ex, const Dest& dest,
         ToResponse to_response, Atom atom, Ts&&... xs) {
  traced_request(self, dest, self->state.wiring.options.request_timeout,
                 trace_of(ex->request.request_id), atom,
                 std::forward<Ts>(xs)...)
    .then(
      [=](Result& r) mutable {
        auto res = to_response(r);
        if constexpr (std::is_same_v<Result, rendered>) {
          if (r.replayed)
            res.headers.emplace_back("Idempotent-Replayed", "true");
          else if (is_write(ex->request.target))
            // Its event is committed: waiting feed readers look now.
            self->send(self->state.wiring.events.handle, atom::wake::value);
        }
        ex->respond(std::move(res));
      },
      [=](caf::error& err) { ex->fail(err); });
}

/// A rendered list body as a 200.
inline api_response list_response(std::string& body) {
  return {200, {}, std::move(body)};
}

/// X-Cache: where a rendered read came from.
inline std::pair<std::string, std::string> cache_header(const rendered& r) {
  return {"X-Cache", r.cache_hit ? "hit" : "miss"};
}

} // namespace memoryd
