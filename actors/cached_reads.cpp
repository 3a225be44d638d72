#include "actors/cached_reads.hpp"

#include "actors/cache_hits.hpp"

namespace memoryd {

cached_reads::cached_reads(std::shared_ptr<cache::shared_lru> cache,
                           std::shared_ptr<telemetry::registry> figures)
  : cache_(std::move(cache)), figures_(std::move(figures)) {
  // nop
}

std::optional<api_response>
cached_reads::answer(const api_request& request) const {
  auto lookup = direct_lookup(request);
  if (!lookup)
    return std::nullopt;
  auto hit = cache_->get(lookup->key, cache::shared_lru::clock::now());
  if (!hit)
    return std::nullopt;  // the actor counts the miss
  return answer_hit(request, *lookup, std::move(*hit), *figures_);
}

} // namespace memoryd
