#pragma once

// A deadline that moves often and rarely passes: a connection's timeout,
// moved at every phase of every request. One Asio timer, re-armed only when
// the deadline moves earlier than the time it waits for; when it fires early
// (the deadline moved later meanwhile) it waits again. Moving the deadline
// later, the common case, thus costs no timer operation, and the timer wakes
// about once per the longest phase instead of once per phase.
//
// Not thread-safe: for the handlers of one io_context's thread.

#include <chrono>
#include <memory>
#include <utility>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

namespace memoryd::net {

class lazy_deadline {
public:
  using clock = std::chrono::steady_clock;
  using executor = boost::asio::io_context::executor_type;

  explicit lazy_deadline(executor ex) : timer_(std::move(ex)) {
    // nop
  }

  /// The deadline is now `at`. Once it has passed, `(owner.get()->*fire)()`
  /// runs on the executor (once, unless the deadline is set again). A
  /// pending wait holds `owner`, which must hold this deadline.
  template <class Owner>
  void expire_at(clock::time_point at, const std::shared_ptr<Owner>& owner,
                 void (Owner::*fire)()) {
    deadline_ = at;
    if (armed_at_ > at)
      arm(at, owner, fire);
  }

  /// No deadline until the next expire_at(); a pending wait ends.
  void cancel() {
    deadline_ = never;
    armed_at_ = never;
    timer_.cancel();
  }

  /// The deadline (time_point::max() after cancel()).
  clock::time_point expiry() const noexcept {
    return deadline_;
  }

private:
  static constexpr clock::time_point never = clock::time_point::max();

  template <class Owner>
  void arm(clock::time_point at, std::shared_ptr<Owner> owner,
           void (Owner::*fire)()) {
    armed_at_ = at;
    timer_.expires_at(at);  // a pending wait ends with operation_aborted
    timer_.async_wait([this, owner = std::move(owner),
                       fire](boost::system::error_code ec) {
      if (ec)
        return;  // re-armed or cancelled
      const auto now = clock::now();
      if (timer_.expiry() > now)
        return;  // re-armed after this wait had completed: that wait counts
      armed_at_ = never;
      if (deadline_ == never)
        return;  // cancelled after this wait had completed
      if (now < deadline_)
        return arm(deadline_, owner, fire);  // early: the deadline moved on
      (owner.get()->*fire)();
    });
  }

  boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>,
                                    executor>
    timer_;
  clock::time_point deadline_ = never;
  clock::time_point armed_at_ = never;  // never: no wait pending
};

} // namespace memoryd::net
