#pragma once

// Reads of the shared Redis cache on the HTTP io threads: one asynchronous
// connection (redis_async_connection) per io thread, the caller's own
// first. It never serves what memoryd could not invalidate: while a key's
// (or every key's) invalidation is pending (pending_invalidations, shared
// with the cache workers that write), it does not take the read, and the
// workers, which can settle the pending list, answer instead.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "cache/redis_async_connection.hpp"
#include "cache/redis_cache.hpp"

namespace memoryd::cache {

class redis_read_pool {
public:
  using get_handler = redis_async_connection::get_handler;

  /// What the pool tells of its connections (for the operators' figures),
  /// on their strands; either may be empty.
  struct reader_events {
    std::function<void()> ready;
    /// An attempt failed or a ready connection (`was_ready`) was lost.
    std::function<void(bool was_ready)> down;
  };

  redis_read_pool(redis_options options,
                  std::shared_ptr<pending_invalidations> pending,
                  reader_events events = {});

  /// Opens one connection on each of `contexts`. Once only.
  void start(const std::vector<boost::asio::io_context*>& contexts);
  /// Closes them (see redis_async_connection::close()) and lets go of
  /// them: they hold strands of the io_contexts, which must not outlive
  /// them.
  void close();

  /// Whether it takes the read of `key`: not before start(), while no
  /// connection is ready, or while `key` may be stale in Redis. When it
  /// does, `done` runs exactly once, on a connection's strand, with the
  /// entry or nullopt (a miss, or anything that went wrong).
  bool get(const std::string& key, get_handler done);

private:
  /// Whether Redis's copy of `key` may be read now.
  static bool trusted(const pending_invalidations& pending,
                      const std::string& key);

  redis_options options_;
  std::shared_ptr<pending_invalidations> pending_;
  reader_events events_;
  using connections = std::vector<std::shared_ptr<redis_async_connection>>;
  /// Null before start() and after close(); atomic, as io threads may
  /// still read while the server shuts down.
  std::atomic<std::shared_ptr<const connections>> connections_;
};

} // namespace memoryd::cache
