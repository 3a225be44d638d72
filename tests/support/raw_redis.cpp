#include "tests/support/raw_redis.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <stdexcept>
#include <vector>

namespace memoryd::test {

void raw_redis::context_deleter::operator()(redisContext* ctx) const noexcept {
  redisFree(ctx);
}

raw_redis::raw_redis(const std::string& host, uint16_t port,
                     std::chrono::milliseconds timeout) {
  auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout);
  timeval tv{static_cast<time_t>(usecs.count() / 1'000'000),
             static_cast<suseconds_t>(usecs.count() % 1'000'000)};
  ctx_.reset(redisConnectWithTimeout(host.c_str(), port, tv));
  if (!ctx_ || ctx_->err != 0)
    throw std::runtime_error("raw_redis: cannot connect to " + host + ":"
                             + std::to_string(port));
  redisSetTimeout(ctx_.get(), tv);
}

raw_redis::reply
raw_redis::command(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (auto arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* raw = static_cast<redisReply*>(redisCommandArgv(
    ctx_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (raw == nullptr)
    throw std::runtime_error(std::string{"raw_redis: "} + ctx_->errstr);
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned{
    raw, &freeReplyObject};
  reply out{raw->type, raw->integer, {}};
  if (raw->str != nullptr)
    out.str.assign(raw->str, raw->len);
  return out;
}

long long raw_redis::integer(std::initializer_list<std::string_view> args) {
  auto r = command(args);
  if (r.type != REDIS_REPLY_INTEGER)
    throw std::runtime_error("raw_redis: expected an integer, got type "
                             + std::to_string(r.type) + " " + r.str);
  return r.integer;
}

} // namespace memoryd::test
