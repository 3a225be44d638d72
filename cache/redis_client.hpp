#pragma once

// One hiredis connection with connect and command timeouts and reconnect
// with exponential backoff. Blocking: owned by one cache worker thread.
// Never throws on Redis trouble: a failure is a miss (or a skipped write),
// counted, and while backing off no connection attempt is made at all, so a
// dead Redis costs a request nothing.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/cache_entry.hpp"

struct redisContext;

namespace memoryd::cache {

struct redis_options {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int db = 0;
  std::string password;  // from redis://:pw@host or redis://user:pw@host
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{200};
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{5000};
};

/// Parses `redis://[user:password@]host[:port][/db]`. Throws
/// std::invalid_argument naming what is wrong.
redis_options parse_redis_url(std::string_view url);

class redis_client {
public:
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

  /// Writes a tombstone (revision tombstone_revision) for tombstone_ttl.
  bool invalidate(const std::string& key);

  /// PING; false when unreachable.
  bool ping();

  bool connected() const;
  uint64_t errors() const;
  const std::string& last_error() const;

private:
  bool ensure_connected();
  void fail(std::string what);

  redis_options options_;
  redisContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  uint64_t errors_ = 0;
  std::string last_error_;
  std::string script_sha_;
};

} // namespace memoryd::cache
