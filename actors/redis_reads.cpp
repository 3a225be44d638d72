#include "actors/redis_reads.hpp"

#include "actors/cache_hits.hpp"

namespace memoryd {

namespace {

cache::redis_read_pool::reader_events
events_into(std::shared_ptr<telemetry::registry> figures) {
  cache::redis_read_pool::reader_events events;
  events.ready = [figures] {
    figures->cache().readers_ready.fetch_add(1, std::memory_order_relaxed);
  };
  events.down = [figures](bool was_ready) {
    auto& cache = figures->cache();
    if (was_ready)
      cache.readers_ready.fetch_sub(1, std::memory_order_relaxed);
    cache.reader_failures.fetch_add(1, std::memory_order_relaxed);
  };
  return events;
}

} // namespace

redis_reads::redis_reads(cache::redis_options options,
                         std::shared_ptr<cache::pending_invalidations> pending,
                         std::shared_ptr<telemetry::registry> figures)
  : pool_(std::make_shared<cache::redis_read_pool>(
      std::move(options), std::move(pending), events_into(figures))),
    figures_(std::move(figures)) {
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
  figures_->cache().readers.store(static_cast<int64_t>(contexts.size()),
                                  std::memory_order_relaxed);
  pool_->start(contexts);
}

void redis_reads::stop() {
  pool_->close();
}

} // namespace memoryd
