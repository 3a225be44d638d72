#pragma once

// GET of a session or a site served straight from the in-process cache on
// the HTTP io thread: the same answer the session or site actor would give
// for a cache hit (body, ETag, X-Cache: hit, If-None-Match), without the
// five mailboxes of the actor path. Anything else (a miss, a fence,
// another tenant's entry, Redis as the cache) goes the usual way, so the
// actors keep every decision but the hit itself.

#include <memory>
#include <optional>

#include "actors/api.hpp"
#include "cache/shared_lru.hpp"
#include "telemetry/registry.hpp"

namespace memoryd {

class cached_reads final : public direct_answers {
public:
  cached_reads(std::shared_ptr<cache::shared_lru> cache,
               std::shared_ptr<telemetry::registry> figures);

  std::optional<api_response> answer(const api_request& request) const override;

private:
  std::shared_ptr<cache::shared_lru> cache_;
  std::shared_ptr<telemetry::registry> figures_;
};

} // namespace memoryd
