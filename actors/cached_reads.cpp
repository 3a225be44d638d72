#include "actors/cached_reads.hpp"

#include "actors/cache_actor.hpp"
#include "actors/conditional_get.hpp"
#include "actors/owned_body.hpp"

namespace memoryd {

cached_reads::cached_reads(std::shared_ptr<cache::shared_lru> cache,
                           std::shared_ptr<telemetry::registry> figures)
  : cache_(std::move(cache)), figures_(std::move(figures)) {
  // nop
}

std::optional<api_response>
cached_reads::answer(const api_request& request) const {
  std::string key;
  // The rank an entry is stored at, per revision (see site_actor.cpp).
  int64_t ranks_per_revision = 1;
  switch (request.target) {
    case route::session_get:
      key = session_cache_key(request.path_params.at(0));
      break;
    case route::site_get:
      key = site_cache_key(request.path_params.at(0));
      ranks_per_revision = 2;
      break;
    default:
      return std::nullopt;
  }
  auto hit = cache_->get(key, cache::shared_lru::clock::now());
  if (!hit)
    return std::nullopt;  // the actor counts the miss
  auto body = open_body(request.tenant, std::move(hit->value));
  if (!body)
    return std::nullopt;  // another tenant's: the actor answers 404
  figures_->cache().hits.fetch_add(1, std::memory_order_relaxed);
  api_response response{
    200,
    {{"X-Cache", "hit"}, {"ETag", etag(hit->revision / ranks_per_revision)}},
    std::move(*body)};
  return conditional(request, std::move(response));
}

} // namespace memoryd
