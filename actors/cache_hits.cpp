#include "actors/cache_hits.hpp"

#include "actors/cache_actor.hpp"
#include "actors/conditional_get.hpp"
#include "actors/owned_body.hpp"

namespace memoryd {

std::optional<hit_lookup> direct_lookup(const api_request& request) {
  switch (request.target) {
    case route::session_get:
      return hit_lookup{session_cache_key(request.path_params.at(0)), 1};
    case route::site_get:
      return hit_lookup{site_cache_key(request.path_params.at(0)), 2};
    default:
      return std::nullopt;
  }
}

std::optional<api_response> answer_hit(const api_request& request,
                                       const hit_lookup& lookup,
                                       cache::entry hit,
                                       telemetry::registry& figures) {
  auto body = open_body(request.tenant, std::move(hit.value));
  if (!body)
    return std::nullopt;
  figures.cache().hits.fetch_add(1, std::memory_order_relaxed);
  api_response response{
    200,
    {{"X-Cache", "hit"},
     {"ETag", etag(hit.revision / lookup.ranks_per_revision)}},
    std::move(*body)};
  return conditional(request, std::move(response));
}

} // namespace memoryd
