#include "net/server_state.hpp"

namespace memoryd::net {

// -- in_flight_counter -------------------------------------------------------

in_flight_counter::token::token(in_flight_counter& counter)
  : counter_(counter) {
  ++counter_.count_;
  if (counter_.gauge)
    counter_.gauge->fetch_add(1, std::memory_order_relaxed);
}

in_flight_counter::token::~token() {
  if (counter_.gauge)
    counter_.gauge->fetch_sub(1, std::memory_order_relaxed);
  if (--counter_.count_ == 0) {
    // Taking the lock orders this notify after a waiter's predicate check.
    std::lock_guard lock{counter_.mutex_};
    counter_.zero_.notify_all();
  }
}

bool in_flight_counter::wait_for_zero(std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  return zero_.wait_for(lock, timeout, [this] { return count_.load() == 0; });
}

// -- session_registry --------------------------------------------------------

void session_registry::add(uint64_t id, std::weak_ptr<http_session> session) {
  std::lock_guard lock{mutex_};
  sessions_.emplace(id, std::move(session));
}

void session_registry::remove(uint64_t id) {
  std::lock_guard lock{mutex_};
  sessions_.erase(id);
}

std::size_t session_registry::size() const {
  std::lock_guard lock{mutex_};
  return sessions_.size();
}

std::vector<std::shared_ptr<http_session>> session_registry::live() const {
  std::vector<std::shared_ptr<http_session>> out;
  std::lock_guard lock{mutex_};
  out.reserve(sessions_.size());
  for (const auto& [id, weak] : sessions_)
    if (auto session = weak.lock())
      out.push_back(std::move(session));
  return out;
}

} // namespace memoryd::net
