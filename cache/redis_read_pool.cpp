#include "cache/redis_read_pool.hpp"

namespace memoryd::cache {

redis_read_pool::redis_read_pool(redis_options options,
                                 std::shared_ptr<pending_invalidations> pending,
                                 reader_events events)
  : options_(std::move(options)),
    pending_(std::move(pending)),
    events_(std::move(events)) {
  // nop
}

void redis_read_pool::start(
  const std::vector<boost::asio::io_context*>& contexts) {
  auto opened = std::make_shared<connections>();
  for (auto* io : contexts) {
    // A restart of Redis, seen first here, makes everything suspect.
    redis_async_connection::observer observer;
    observer.ready = [pending = pending_,
                      ready = events_.ready](const std::string& run_id) {
      pending->server_seen(run_id);
      if (ready)
        ready();
    };
    observer.down = events_.down;
    auto connection = redis_async_connection::make(*io, options_,
                                                   std::move(observer));
    connection->start();
    opened->push_back(std::move(connection));
  }
  connections_.store(std::move(opened));
}

void redis_read_pool::close() {
  if (auto opened = connections_.exchange(nullptr))
    for (const auto& connection : *opened)
      connection->close();
}

bool redis_read_pool::get(const std::string& key, get_handler done) {
  auto opened = connections_.load();
  if (!opened || !trusted(*pending_, key))
    return false;
  const auto n = opened->size();
  std::size_t first = 0;  // this thread's own, else any that is ready
  while (first < n && !(*opened)[first]->runs_here())
    ++first;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& connection = (*opened)[(first + i) % n];
    if (!connection->ready())
      continue;
    // Checked again on the reply: an invalidation that failed while the
    // GET was out makes what it read suspect.
    connection->get(key, [pending = pending_, key, done = std::move(done)](
                           std::optional<entry> found) {
      if (found && !trusted(*pending, key))
        found.reset();
      done(std::move(found));
    });
    return true;
  }
  return false;
}

bool redis_read_pool::trusted(const pending_invalidations& pending,
                              const std::string& key) {
  if (pending.none())
    return true;
  uint64_t generation = 0;
  return !pending.everything(generation) && !pending.contains(key, generation);
}

} // namespace memoryd::cache
