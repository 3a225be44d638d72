#include "cache/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <stdexcept>
#include <utility>

#include "cache/redis_wire.hpp"
#include "cache/sigpipe_guard.hpp"

namespace memoryd::cache {

namespace {

using namespace std::chrono_literals;

// Stored values are "<revision>:<value>". The script reads only the prefix
// (GETRANGE, not GET: values can be megabytes) and writes unless the stored
// revision is at least as new. A malformed stored value counts as absent.
// KEYS[1] = key, ARGV = revision, value, ttl in seconds.
constexpr std::string_view put_if_newer_script = R"lua(
local head = redis.call('GETRANGE', KEYS[1], 0, 21)
local stored = string.match(head, '^(%-?%d+):')
if stored and tonumber(stored) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EX', ARGV[3])
return 1
)lua";

const std::string tombstone_value = std::to_string(tombstone_revision) + ":";

timeval to_timeval(std::chrono::milliseconds ms) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(ms);
  auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(ms - secs);
  return timeval{static_cast<time_t>(secs.count()),
                 static_cast<suseconds_t>(usecs.count())};
}

bool is_noscript(const redisReply& reply) {
  return reply.type == REDIS_REPLY_ERROR
         && std::string_view{reply.str, reply.len}.starts_with("NOSCRIPT");
}

// hiredis reports a timeout as a bare EAGAIN; say what it means.
std::string transport_error(const redisContext& ctx, int error,
                            std::chrono::milliseconds timeout) {
  if (ctx.err == REDIS_ERR_IO && (error == EAGAIN || error == EWOULDBLOCK))
    return "no reply within " + std::to_string(timeout.count()) + " ms";
  return ctx.errstr;
}

std::string describe(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ERROR)
    return std::string{reply.str, reply.len};
  return "unexpected reply type " + std::to_string(reply.type);
}

} // namespace

void redis_client::context_deleter::operator()(
  redisContext* ctx) const noexcept {
  redisFree(ctx);
}

void redis_client::reply_deleter::operator()(redisReply* reply) const noexcept {
  freeReplyObject(reply);
}

redis_client::redis_client(redis_options options)
  : options_(std::move(options)),
    backoff_(options_.min_backoff, options_.max_backoff) {
  if (options_.connect_timeout <= 0ms || options_.command_timeout <= 0ms)
    throw std::invalid_argument("Redis timeouts must be positive");
  if (options_.max_backoff < options_.min_backoff)
    throw std::invalid_argument("Redis max_backoff is below min_backoff");
}

redis_client::~redis_client() = default;

std::optional<entry> redis_client::get(const std::string& key) {
  if (!ensure_connected())
    return std::nullopt;
  auto reply = exchange({"GET", key});
  if (reply && reply->type == REDIS_REPLY_NIL)
    return std::nullopt;
  if (!accept(reply, REDIS_REPLY_STRING, "GET"))
    return std::nullopt;
  return decode_stored({reply->str, reply->len});
}

bool redis_client::script_loaded() {
  // The SHA1 of a script is fixed, so it survives reconnects; a server that
  // has not seen the script answers NOSCRIPT, and EVAL teaches it again.
  if (script_sha_.empty()) {
    auto loaded = call({"SCRIPT", "LOAD", put_if_newer_script},
                       REDIS_REPLY_STRING);
    if (!loaded)
      return false;
    script_sha_.assign(loaded->str, loaded->len);
  }
  return true;
}

bool redis_client::put_if_newer(const std::string& key, int64_t revision,
                                std::string_view value,
                                std::chrono::seconds ttl) {
  if (ttl <= 0s || !ensure_connected() || !script_loaded())
    return false;
  auto rev = std::to_string(revision);
  auto secs = std::to_string(ttl.count());
  auto reply = exchange({"EVALSHA", script_sha_, "1", key, rev, value, secs});
  if (reply && is_noscript(*reply))
    reply = exchange({"EVAL", put_if_newer_script, "1", key, rev, value, secs});
  return accept(reply, REDIS_REPLY_INTEGER, "put_if_newer script")
         && reply->integer == 1;
}

bool redis_client::put_if_newer(const std::vector<put_request>& puts) {
  if (puts.empty())
    return true;
  for (const auto& p : puts)
    if (p.ttl_seconds <= 0)
      return false;
  if (!ensure_connected() || !script_loaded())
    return false;
  std::vector<std::string> numbers;  // revision and ttl of each, kept alive
  numbers.reserve(2 * puts.size());
  for (const auto& p : puts) {
    numbers.push_back(std::to_string(p.revision));
    numbers.push_back(std::to_string(p.ttl_seconds));
  }
  std::vector<std::size_t> unknown_script;  // NOSCRIPT: sent again alone
  const bool answered = pipelined(
    puts.size(), "EVALSHA (pipelined)",
    [&](std::size_t i) {
      const auto& p = puts[i];
      const auto& rev = numbers[2 * i];
      const auto& secs = numbers[2 * i + 1];
      const char* argv[] = {"EVALSHA", script_sha_.data(), "1", p.key.data(),
                            rev.data(), p.value.data(), secs.data()};
      const std::size_t lengths[] = {7, script_sha_.size(), 1, p.key.size(),
                                     rev.size(), p.value.size(), secs.size()};
      return redisAppendCommandArgv(ctx_.get(), 7, argv, lengths) == REDIS_OK;
    },
    [&](std::size_t i, const reply_ptr& reply) {
      if (is_noscript(*reply)) {
        unknown_script.push_back(i);
        return true;
      }
      return accept(reply, REDIS_REPLY_INTEGER, "put_if_newer script");
    });
  if (!answered)
    return false;
  for (auto i : unknown_script) {
    const auto& p = puts[i];
    put_if_newer(p.key, p.revision, p.value, std::chrono::seconds{p.ttl_seconds});
    if (!connected())
      return false;
  }
  return true;
}

bool redis_client::invalidate(const std::string& key) {
  // A plain SET, not the script: nothing outranks a tombstone, and a second
  // delete must restart the tombstone's time.
  return ensure_connected()
         && call({"SET", key, tombstone_value, "EX",
                  std::to_string(tombstone_ttl.count())},
                 REDIS_REPLY_STATUS);
}

bool redis_client::invalidate(const std::vector<std::string>& keys) {
  if (keys.empty())
    return true;
  if (!ensure_connected())
    return false;
  const auto ttl = std::to_string(tombstone_ttl.count());
  return pipelined(
    keys.size(), "SET (pipelined)",
    [&](std::size_t i) {
      const auto& key = keys[i];
      const char* argv[] = {"SET", key.data(), tombstone_value.data(), "EX",
                            ttl.data()};
      const std::size_t lengths[] = {3, key.size(), tombstone_value.size(), 2,
                                     ttl.size()};
      return redisAppendCommandArgv(ctx_.get(), 5, argv, lengths) == REDIS_OK;
    },
    [&](std::size_t, const reply_ptr& reply) {
      return accept(reply, REDIS_REPLY_STATUS, "SET");
    });
}

bool redis_client::pipelined(
  std::size_t count, std::string_view what,
  const std::function<bool(std::size_t)>& append,
  const std::function<bool(std::size_t, const reply_ptr&)>& check) {
  sigpipe_guard guard;
  for (std::size_t i = 0; i < count; ++i) {
    if (!append(i)) {
      fail(std::string{what} + ": " + ctx_->errstr);
      return false;
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    void* raw = nullptr;
    const int rc = redisGetReply(ctx_.get(), &raw);
    const int error = errno;
    reply_ptr reply{static_cast<redisReply*>(raw)};
    if (rc != REDIS_OK || !reply) {
      fail(std::string{what} + ": "
           + transport_error(*ctx_, error, options_.command_timeout));
      return false;
    }
    if (!check(i, reply))
      return false;
  }
  return true;
}

bool redis_client::remove(const std::string& key) {
  return ensure_connected() && call({"DEL", key}, REDIS_REPLY_INTEGER);
}

bool redis_client::remove_matching(const std::string& pattern) {
  if (!ensure_connected())
    return false;
  std::string cursor = "0";
  do {
    auto reply = call({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"},
                      REDIS_REPLY_ARRAY);
    if (!reply || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_ARRAY)
      return false;
    cursor.assign(reply->element[0]->str, reply->element[0]->len);
    const auto& keys = *reply->element[1];
    for (size_t i = 0; i < keys.elements; ++i)
      if (!call({"DEL", std::string_view{keys.element[i]->str, keys.element[i]->len}},
                REDIS_REPLY_INTEGER))
        return false;
  } while (cursor != "0");
  return true;
}

bool redis_client::ping() {
  return ensure_connected() && call({"PING"}, REDIS_REPLY_STATUS);
}

bool redis_client::connected() const {
  return ctx_ != nullptr;
}

uint64_t redis_client::errors() const {
  return errors_;
}

const std::string& redis_client::last_error() const {
  return last_error_;
}

uint64_t redis_client::connect_attempts() const {
  return connect_attempts_;
}

bool redis_client::ensure_connected() {
  if (ctx_)
    return true;
  if (std::chrono::steady_clock::now() < retry_at_)
    return false;
  ++connect_attempts_;
  context_ptr ctx{
    redisConnectWithTimeout(options_.host.c_str(), options_.port,
                            to_timeval(options_.connect_timeout))};
  if (!ctx || ctx->err != 0) {
    fail("connect: " + std::string{ctx ? ctx->errstr : "out of memory"});
    return false;
  }
  if (redisSetTimeout(ctx.get(), to_timeval(options_.command_timeout))
      != REDIS_OK) {
    fail("setting the command timeout: " + std::string{ctx->errstr});
    return false;
  }
  ctx_ = std::move(ctx);
  if (!handshake())
    return false;
  backoff_.reset();
  return true;
}

bool redis_client::handshake() {
  if (!options_.password.empty()) {
    auto auth = options_.username.empty()
                  ? call({"AUTH", options_.password}, REDIS_REPLY_STATUS)
                  : call({"AUTH", options_.username, options_.password},
                         REDIS_REPLY_STATUS);
    if (!auth)
      return false;
  }
  if (options_.db != 0
      && !call({"SELECT", std::to_string(options_.db)}, REDIS_REPLY_STATUS))
    return false;
  // Also proves the server answers (the kernel of a stopped server still
  // accepts connections), and says which run of it this is.
  auto info = call({"INFO", "server"}, REDIS_REPLY_STRING);
  if (!info)
    return false;
  server_run_id_ = run_id_of({info->str, info->len});
  return true;
}

redis_client::reply_ptr
redis_client::exchange(std::initializer_list<std::string_view> args) {
  constexpr std::size_t max_args = 8;
  assert(ctx_ && args.size() <= max_args);
  std::array<const char*, max_args> argv{};
  std::array<std::size_t, max_args> lengths{};
  std::size_t n = 0;
  for (auto arg : args) {
    argv[n] = arg.data();
    lengths[n++] = arg.size();
  }
  reply_ptr reply;
  int error = 0;
  {
    sigpipe_guard guard;
    reply.reset(static_cast<redisReply*>(redisCommandArgv(
      ctx_.get(), static_cast<int>(n), argv.data(), lengths.data())));
    error = errno;
  }
  if (!reply)
    fail(std::string{*args.begin()} + ": "
         + transport_error(*ctx_, error, options_.command_timeout));
  return reply;
}

bool redis_client::accept(const reply_ptr& reply, int expected,
                          std::string_view command) {
  if (!reply)
    return false; // exchange() has failed already
  if (reply->type == expected)
    return true;
  fail(std::string{command} + ": " + describe(*reply));
  return false;
}

redis_client::reply_ptr
redis_client::call(std::initializer_list<std::string_view> args, int expected) {
  auto reply = exchange(args);
  if (!accept(reply, expected, *args.begin()))
    return nullptr;
  return reply;
}

void redis_client::fail(std::string what) {
  ctx_.reset();
  ++errors_;
  last_error_ = options_.host + ":" + std::to_string(options_.port) + ": "
                + std::move(what);
  retry_at_ = std::chrono::steady_clock::now() + backoff_.next();
}

} // namespace memoryd::cache
