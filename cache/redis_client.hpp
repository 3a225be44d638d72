#pragma once

// One hiredis connection with connect and command timeouts and reconnect
// with exponential backoff. Blocking: owned by one cache worker thread.
// Never throws on Redis trouble: a failure is a miss (or a skipped write),
// counted, and while backing off no connection attempt is made at all, so a
// dead Redis costs a request nothing. Writing into a connection Redis has
// dropped raises no SIGPIPE (see sigpipe_guard.hpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/backoff.hpp"
#include "cache/cache_entry.hpp"

struct redisContext;
struct redisReply;

namespace memoryd::cache {

struct redis_options {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int db = 0;
  std::string password;  // from redis://:pw@host or redis://user:pw@host
  std::string username;  // from redis://user:pw@host (Redis 6 ACL user)
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{200};
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{5000};
};

/// Parses `redis://[user:password@]host[:port][/db]`. Throws
/// std::invalid_argument naming what is wrong. As in redis-cli, a user info
/// without a colon is a password; user and password may be %-encoded.
redis_options parse_redis_url(std::string_view url);

class redis_client {
public:
  /// Does not connect yet. Throws std::invalid_argument for a timeout <= 0
  /// (to hiredis that means "wait forever") or max_backoff < min_backoff.
  explicit redis_client(redis_options options);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// nullopt on a miss, a tombstone, or any error.
  std::optional<entry> get(const std::string& key);

  /// Atomic "set if newer revision" with a TTL (a Lua script, EVALSHA with
  /// EVAL fallback). Returns whether it stored.
  bool put_if_newer(const std::string& key, int64_t revision,
                    std::string_view value, std::chrono::seconds ttl);

  /// put_if_newer() of many in one round trip (pipelined); true when Redis
  /// answered every one, stored or not.
  bool put_if_newer(const std::vector<put_request>& puts);

  /// Writes a tombstone (revision tombstone_revision) for tombstone_ttl.
  bool invalidate(const std::string& key);

  /// invalidate() of many keys in one round trip (pipelined); true when
  /// Redis confirmed every one.
  bool invalidate(const std::vector<std::string>& keys);

  /// DEL; true when Redis answered (whether or not the key existed).
  bool remove(const std::string& key);

  /// Deletes every key matching `pattern` (SCAN, then DEL per key); true
  /// when the whole keyspace was walked.
  bool remove_matching(const std::string& pattern);

  /// PING; false when unreachable.
  bool ping();

  /// Connects unless connected or backing off; whether it is connected.
  bool connect() {
    return ensure_connected();
  }

  /// The run_id of the server of the current connection (INFO server):
  /// another one after a reconnect means Redis restarted, maybe from an
  /// old snapshot. Empty before the first connection.
  const std::string& server_run_id() const {
    return server_run_id_;
  }

  bool connected() const;
  uint64_t errors() const;
  const std::string& last_error() const;
  /// Connections tried so far, successful or not (for stats and tests).
  uint64_t connect_attempts() const;

private:
  struct context_deleter {
    void operator()(redisContext* ctx) const noexcept;
  };
  struct reply_deleter {
    void operator()(redisReply* reply) const noexcept;
  };
  using context_ptr = std::unique_ptr<redisContext, context_deleter>;
  using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

  /// Connects unless backing off; the backoff resets once handshake() has
  /// succeeded.
  bool ensure_connected();
  /// AUTH and SELECT as configured, then INFO server (the run_id).
  bool handshake();
  /// Sends one command on the open connection and reads its reply. A
  /// transport failure fails the connection and yields nullptr; an error
  /// reply is returned for the caller to judge.
  reply_ptr exchange(std::initializer_list<std::string_view> args);
  /// Whether `reply` has the `expected` REDIS_REPLY_* type; otherwise fails
  /// the connection (an error reply included) naming `command`.
  bool accept(const reply_ptr& reply, int expected, std::string_view command);
  /// exchange() + accept(): the reply, or nullptr after failing.
  reply_ptr call(std::initializer_list<std::string_view> args, int expected);
  /// Sends `count` commands in one write (`append(i)` appends the i-th with
  /// redisAppendCommandArgv, false when hiredis refused it), then reads
  /// their replies in order, each judged by `check(i, reply)`. False after
  /// the first failure, which fails the connection (`what` names it).
  bool pipelined(std::size_t count, std::string_view what,
                 const std::function<bool(std::size_t)>& append,
                 const std::function<bool(std::size_t, const reply_ptr&)>& check);
  /// The put script's SHA1, loading it once per server run; false on
  /// failure.
  bool script_loaded();
  void fail(std::string what);

  redis_options options_;
  context_ptr ctx_;
  std::chrono::steady_clock::time_point retry_at_{};
  backoff backoff_;
  uint64_t errors_ = 0;
  uint64_t connect_attempts_ = 0;
  std::string last_error_;
  std::string script_sha_;
  std::string server_run_id_;
};

} // namespace memoryd::cache
