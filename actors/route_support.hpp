#pragma once

// What the route handlers of the front actor share: picking the shard of an
// id and reading the request body.

#include <functional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "actors/front_actor.hpp"
#include "actors/json_body.hpp"

namespace memoryd {

/// The shard responsible for `id`: one entity's requests stay in order.
template <class Handle>
const Handle& shard_for(const std::vector<Handle>& shards, const std::string& id) {
  return shards[std::hash<std::string>{}(id) % shards.size()];
}

/// The request body as JSON, with the configured depth limit.
inline boost::json::value body_json(front_pointer self, const exchange_ptr& ex) {
  return parse_json_body(ex->request.body,
                         self->state.wiring.options.max_json_depth);
}

} // namespace memoryd
