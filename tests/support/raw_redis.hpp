#pragma once

// A bare hiredis connection for tests to look behind the client's back
// (TTLs, stored bytes) and to check that a server answers.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

struct redisContext;

namespace memoryd::test {

class raw_redis {
public:
  struct reply {
    int type = 0; // REDIS_REPLY_*
    long long integer = 0;
    std::string str; // string, status or error text
  };

  /// Throws std::runtime_error when it cannot connect.
  raw_redis(const std::string& host, uint16_t port,
            std::chrono::milliseconds timeout = std::chrono::seconds{2});

  /// Throws std::runtime_error on a transport error; error replies are
  /// returned.
  reply command(std::initializer_list<std::string_view> args);

  /// command() for an integer reply; throws on any other.
  long long integer(std::initializer_list<std::string_view> args);

private:
  struct context_deleter {
    void operator()(redisContext* ctx) const noexcept;
  };
  std::unique_ptr<redisContext, context_deleter> ctx_;
};

} // namespace memoryd::test
