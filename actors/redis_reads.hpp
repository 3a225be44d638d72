#pragma once

// GET of a session or a site answered from Redis on the HTTP io threads
// (asynchronous hiredis on the server's io_context), without the actor
// round trip. The writers still go through the cache workers, which put
// into Redis before a write is answered: so a read on any daemon of the
// fleet after that answer sees the write (or misses). A miss, a tombstone,
// another tenant's entry, a key whose invalidation is pending, or Redis
// out of reach: the request is dispatched as usual, and the actors decide.

#include <memory>

#include "actors/api.hpp"
#include "cache/redis_read_pool.hpp"
#include "telemetry/registry.hpp"

namespace memoryd {

class redis_reads final : public direct_answers {
public:
  /// Reads Redis with the io threads' own connections; their state shows
  /// in `figures`' cache figures.
  redis_reads(cache::redis_options options,
              std::shared_ptr<cache::pending_invalidations> pending,
              std::shared_ptr<telemetry::registry> figures);

  std::optional<api_response> answer(const api_request&) const override {
    return std::nullopt;
  }

  bool answer_later(const api_request& request,
                    completion done) const override;

  void start(const std::vector<boost::asio::io_context*>& contexts) override;
  void stop() override;

private:
  std::shared_ptr<cache::redis_read_pool> pool_;
  std::shared_ptr<telemetry::registry> figures_;
};

} // namespace memoryd
