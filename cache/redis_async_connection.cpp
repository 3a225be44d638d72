#include "cache/redis_async_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "cache/redis_wire.hpp"
#include "cache/sigpipe_guard.hpp"

namespace memoryd::cache {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

struct redis_async_connection::get_call {
  get_handler done;
};

/// The C callbacks hiredis calls; `ev.data` and `data` are the connection,
/// which outlives its context (close() and the destructor free it).
struct redis_async_connection::hooks {
  static redis_async_connection& of(void* p) {
    return *static_cast<redis_async_connection*>(p);
  }
  static void add_read(void* p) {
    of(p).want_read_ = true;
    of(p).watch(direction::read);
  }
  static void del_read(void* p) {
    of(p).want_read_ = false;
  }
  static void add_write(void* p) {
    of(p).want_write_ = true;
    of(p).watch(direction::write);
  }
  static void del_write(void* p) {
    of(p).want_write_ = false;
  }
  static void cleanup(void* p) {
    of(p).on_freed();
  }

  static void get_reply(redisAsyncContext* ac, void* r, void* privdata) {
    std::unique_ptr<get_call> call{static_cast<get_call*>(privdata)};
    auto& self = of(ac->data);
    self.replied();
    auto* reply = static_cast<redisReply*>(r);
    if (reply && reply->type == REDIS_REPLY_STRING)
      return call->done(decode_stored({reply->str, reply->len}));
    if (reply && reply->type != REDIS_REPLY_NIL)
      self.fail();  // an error reply: trust nothing this connection says
    call->done(std::nullopt);
  }

  /// AUTH and SELECT expect a status, INFO a string (and is the last).
  static void handshake_reply(redisAsyncContext* ac, void* r, void* privdata) {
    auto& self = of(ac->data);
    self.replied();
    auto* reply = static_cast<redisReply*>(r);
    if (!reply)
      return;  // the context is going
    const auto expected = static_cast<int>(reinterpret_cast<intptr_t>(privdata));
    if (reply->type != expected)
      return self.fail();
    if (expected == REDIS_REPLY_STRING)
      self.on_handshake(run_id_of({reply->str, reply->len}));
  }
};

std::shared_ptr<redis_async_connection>
redis_async_connection::make(asio::io_context& io, redis_options options,
                             observer events) {
  return std::shared_ptr<redis_async_connection>{
    new redis_async_connection(io, std::move(options), std::move(events))};
}

redis_async_connection::redis_async_connection(asio::io_context& io,
                                               redis_options options,
                                               observer events)
  : strand_(asio::make_strand(io)),
    options_(std::move(options)),
    events_(std::move(events)),
    backoff_(options_.min_backoff, options_.max_backoff) {
  // nop
}

redis_async_connection::~redis_async_connection() {
  // Only reached without close() when the io_context never ran it.
  closed_ = true;
  if (ac_)
    redisAsyncFree(ac_);
}

void redis_async_connection::start() {
  asio::post(strand_, [self = shared_from_this()] {
    self->deadline_.emplace(self->strand_);
    self->retry_.emplace(self->strand_);
    self->connect();
  });
}

void redis_async_connection::close() {
  asio::post(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    self->ready_ = false;
    if (self->ac_)
      redisAsyncFree(self->ac_);  // on_freed() runs inside
    self->deadline_.reset();
    self->retry_.reset();
  });
}

void redis_async_connection::get(std::string key, get_handler done) {
  asio::post(strand_, [self = shared_from_this(), key = std::move(key),
                       done = std::move(done)]() mutable {
    self->send_get(key, std::move(done));
  });
}

void redis_async_connection::connect() {
  if (closed_ || ac_)
    return;
  // A name is resolved without blocking the io thread; hiredis would call
  // getaddrinfo() itself.
  auto resolver = std::make_shared<asio::ip::tcp::resolver>(strand_);
  resolver->async_resolve(
    options_.host, std::to_string(options_.port),
    [self = shared_from_this(), resolver](const boost::system::error_code& ec,
                                          asio::ip::tcp::resolver::results_type found) {
      if (self->closed_)
        return;
      if (ec || found.empty())
        return self->on_freed();  // retries after the backoff
      // IPv4 first, as hiredis itself (and so the cache workers) connects.
      auto address = found.begin()->endpoint().address();
      for (const auto& e : found)
        if (e.endpoint().address().is_v4()) {
          address = e.endpoint().address();
          break;
        }
      auto* ac = redisAsyncConnect(address.to_string().c_str(),
                                   self->options_.port);
      if (!ac || ac->err) {
        if (ac)
          redisAsyncFree(ac);
        return self->on_freed();
      }
      self->ac_ = ac;
      ac->data = self.get();
      ac->ev.data = self.get();
      ac->ev.addRead = &hooks::add_read;
      ac->ev.delRead = &hooks::del_read;
      ac->ev.addWrite = &hooks::add_write;
      ac->ev.delWrite = &hooks::del_write;
      ac->ev.cleanup = &hooks::cleanup;
      self->socket_.emplace(self->strand_, ac->c.fd);
      self->handshake();
    });
}

void redis_async_connection::handshake() {
  // Queued before the connect completes; hiredis sends them once it has.
  auto command = [this](int expected, std::initializer_list<std::string_view> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (auto arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAsyncCommandArgv(ac_, &hooks::handshake_reply,
                              reinterpret_cast<void*>(intptr_t{expected}),
                              static_cast<int>(argv.size()), argv.data(),
                              lengths.data())
        == REDIS_OK)
      sent();
  };
  if (!options_.password.empty()) {
    if (options_.username.empty())
      command(REDIS_REPLY_STATUS, {"AUTH", options_.password});
    else
      command(REDIS_REPLY_STATUS, {"AUTH", options_.username, options_.password});
  }
  if (options_.db != 0)
    command(REDIS_REPLY_STATUS, {"SELECT", std::to_string(options_.db)});
  command(REDIS_REPLY_STRING, {"INFO", "server"});
}

void redis_async_connection::on_handshake(std::string run_id) {
  backoff_.reset();
  if (events_.ready)
    events_.ready(run_id);
  handshaken_ = true;
  ready_ = true;
}

void redis_async_connection::send_get(const std::string& key, get_handler done) {
  if (!ready_ || !ac_)
    return done(std::nullopt);
  const char* argv[] = {"GET", key.data()};
  const std::size_t lengths[] = {3, key.size()};
  auto call = std::make_unique<get_call>(get_call{std::move(done)});
  if (redisAsyncCommandArgv(ac_, &hooks::get_reply, call.get(), 2, argv, lengths)
      != REDIS_OK)
    return call->done(std::nullopt);  // the context is going
  call.release();
  sent();
}

void redis_async_connection::sent() {
  waiting_.push_back(clock::now());
  arm_deadline();
}

void redis_async_connection::replied() {
  if (!waiting_.empty())
    waiting_.pop_front();
}

void redis_async_connection::arm_deadline() {
  if (deadline_armed_ || waiting_.empty() || !deadline_)
    return;
  deadline_armed_ = true;
  deadline_->expires_at(waiting_.front() + options_.command_timeout);
  deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->deadline_armed_ = false;
    if (!ec)
      self->on_deadline();
  });
}

void redis_async_connection::on_deadline() {
  if (waiting_.empty())
    return;
  if (clock::now() >= waiting_.front() + options_.command_timeout)
    return fail();
  arm_deadline();
}

void redis_async_connection::fail() {
  ready_ = false;
  if (ac_)
    redisAsyncFree(ac_);  // deferred by hiredis when inside its callback
}

void redis_async_connection::on_freed() {
  ready_ = false;
  ac_ = nullptr;
  ++generation_;
  want_read_ = reading_ = want_write_ = writing_ = false;
  if (socket_) {
    socket_->release();  // hiredis closes the descriptor
    socket_.reset();
  }
  waiting_.clear();
  if (closed_ || !retry_)
    return;
  if (events_.down)
    events_.down(std::exchange(handshaken_, false));
  retry_->expires_after(backoff_.next());
  retry_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec)
      self->connect();
  });
}

void redis_async_connection::watch(direction d) {
  const bool write = d == direction::write;
  if (!(write ? want_write_ : want_read_) || (write ? writing_ : reading_)
      || !socket_)
    return;
  (write ? writing_ : reading_) = true;
  socket_->async_wait(
    write ? asio::posix::descriptor_base::wait_write
          : asio::posix::descriptor_base::wait_read,
    [self = shared_from_this(), gen = generation_,
     write](boost::system::error_code ec) {
      if (gen != self->generation_)
        return;  // a handler of a connection that is gone
      (write ? self->writing_ : self->reading_) = false;
      if (ec)
        return self->fail();
      if (!(write ? self->want_write_ : self->want_read_))
        return;
      if (write) {
        sigpipe_guard guard;  // Redis may have gone: EPIPE, not SIGPIPE
        redisAsyncHandleWrite(self->ac_);
      } else {
        redisAsyncHandleRead(self->ac_);
      }
      if (gen == self->generation_)
        self->watch(write ? direction::write : direction::read);
    });
}

} // namespace memoryd::cache
