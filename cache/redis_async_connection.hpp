#pragma once

// One hiredis asynchronous connection driven by an Asio io_context, for
// reads on the HTTP io threads: a GET costs no thread of its own, and the
// GETs issued while the connection's strand is busy leave in one write and
// come back in one read (pipelined). It connects (AUTH, SELECT, INFO server
// for the run_id) and, after any failure, reconnects with backoff. A command
// without a reply within the command timeout fails the connection, and with
// it every command waiting on it: a hung Redis costs a read the timeout, once,
// then nothing until it answers again. All its work runs on its own strand.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "cache/backoff.hpp"
#include "cache/cache_entry.hpp"
#include "cache/redis_client.hpp"

struct redisAsyncContext;

namespace memoryd::cache {

class redis_async_connection
  : public std::enable_shared_from_this<redis_async_connection> {
public:
  /// The entry, or nullopt: a miss, a tombstone, a fence or any failure.
  using get_handler = std::function<void(std::optional<entry>)>;
  /// What the connection tells its owner, on the strand; either may be
  /// empty.
  struct observer {
    /// Ready, with the run_id of the Redis server it reached.
    std::function<void(const std::string& run_id)> ready;
    /// An attempt failed or the connection was lost (`was_ready`); it
    /// tries again after a backoff. Not called for close().
    std::function<void(bool was_ready)> down;
  };

  /// Does not connect yet (start() does).
  static std::shared_ptr<redis_async_connection>
  make(boost::asio::io_context& io, redis_options options, observer events);

  ~redis_async_connection();

  /// Connects, and keeps reconnecting until close().
  void start();
  /// Drops the connection (waiting commands get nullopt) and stays closed;
  /// its Asio objects are gone once the strand ran it, so the io_context
  /// may be destroyed afterwards.
  void close();

  /// Whether the connection is up and handshaken (a hint, from any thread).
  bool ready() const {
    return ready_.load(std::memory_order_relaxed);
  }

  /// Whether the caller is on a thread that runs this connection's
  /// io_context (its GETs then need no hop to another thread).
  bool runs_here() const {
    return strand_.get_inner_executor().running_in_this_thread();
  }

  /// GET `key`; `done` runs once, on the strand. Callable from any thread.
  void get(std::string key, get_handler done);

private:
  using strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  struct get_call;
  struct hooks;

  redis_async_connection(boost::asio::io_context& io, redis_options options,
                         observer events);

  // All below run on the strand.
  void connect();
  void handshake();
  void on_handshake(std::string run_id);
  void send_get(const std::string& key, get_handler done);
  void sent();
  void replied();
  void arm_deadline();
  void on_deadline();
  void fail();
  /// hiredis freed the context (ev.cleanup).
  void on_freed();
  enum class direction { read, write };
  /// Waits until the socket is ready in `d`, if hiredis wants that, and
  /// then lets hiredis read or write.
  void watch(direction d);

  strand strand_;
  redis_options options_;
  observer events_;
  bool handshaken_ = false;  // since the last connect
  redisAsyncContext* ac_ = nullptr;
  std::optional<boost::asio::posix::stream_descriptor> socket_;
  std::optional<boost::asio::steady_timer> deadline_;
  std::optional<boost::asio::steady_timer> retry_;
  /// When each command still waiting for its reply was sent, oldest first
  /// (Redis answers in order).
  std::deque<std::chrono::steady_clock::time_point> waiting_;
  bool deadline_armed_ = false;
  bool want_read_ = false, reading_ = false;
  bool want_write_ = false, writing_ = false;
  /// Bumped whenever the context goes, so that handlers of an old
  /// connection's socket do nothing.
  uint64_t generation_ = 0;
  bool closed_ = false;
  backoff backoff_;
  std::atomic<bool> ready_{false};
};

} // namespace memoryd::cache
