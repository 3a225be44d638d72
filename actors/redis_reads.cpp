#include "actors/redis_reads.hpp"

#include "actors/cache_hits.hpp"

namespace memoryd {

redis_reads::redis_reads(std::shared_ptr<cache::redis_read_pool> pool,
                         std::shared_ptr<telemetry::registry> figures)
  : pool_(std::move(pool)), figures_(std::move(figures)) {
  // nop
}

bool redis_reads::answer_later(const api_request& request,
                               completion done) const {
  auto lookup = direct_lookup(request);
  if (!lookup)
    return false;
  auto key = lookup->key;
  return pool_->get(key, [&request, lookup = std::move(*lookup),
                          figures = figures_, done = std::move(done)](
                           std::optional<cache::entry> hit) {
    if (!hit)
      return done(std::nullopt);  // the actor counts the miss
    done(answer_hit(request, lookup, std::move(*hit), *figures));
  });
}

void redis_reads::start(
  const std::vector<boost::asio::io_context*>& contexts) {
  // One connection per io thread: each pipelines what its thread asked.
  pool_->start(contexts);
}

void redis_reads::stop() {
  pool_->close();
}

} // namespace memoryd
