#pragma once

// What a GET served straight from a cache hit answers, wherever the hit
// comes from (the in-process table, or Redis on the io thread): the same
// answer the session or site actor gives for a hit (body, ETag,
// X-Cache: hit, If-None-Match), so the two paths cannot drift apart.

#include <cstdint>
#include <optional>
#include <string>

#include "actors/api.hpp"
#include "cache/cache_entry.hpp"
#include "telemetry/registry.hpp"

namespace memoryd {

/// The cache key a directly answerable read looks up.
struct hit_lookup {
  std::string key;
  /// The rank an entry is stored at, per revision (see site_actor.cpp).
  int64_t ranks_per_revision = 1;
};

/// The lookup for `request`, or nullopt when it is no cached read.
std::optional<hit_lookup> direct_lookup(const api_request& request);

/// The answer `hit` gives `request` (a hit is counted), or nullopt when it
/// is another tenant's entry: the actor answers that one (404).
std::optional<api_response> answer_hit(const api_request& request,
                                       const hit_lookup& lookup,
                                       cache::entry hit,
                                       telemetry::registry& figures);

} // namespace memoryd
