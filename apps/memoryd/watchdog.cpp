#include "apps/memoryd/watchdog.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace memoryd {

watchdog::watchdog(caf::actor_system& sys, status_client_actor probe)
  : sys_(sys), probe_(std::move(probe)) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
    return;
  thread_ = std::thread([this, usec] { loop(std::chrono::microseconds{usec}); });
}

watchdog::~watchdog() {
  stop();
}

void watchdog::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void watchdog::loop(std::chrono::microseconds period) {
  // A ping every half period after a probe that may take a quarter keeps
  // the gap between pings below 3/4 of it, even when the actors answer
  // slowly; waiting as long as the pause would let the gap reach the period.
  auto interval = period / 2;
  auto patience = period / 4;
  caf::scoped_actor self{sys_};  // its own thread: waiting here is allowed
  std::unique_lock<std::mutex> lock{mutex_};
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
    bool alive = false;
    self->request(probe_, patience, atom::status::value)
      .receive([&](caf::settings&) { alive = true; },
               [&](caf::error& err) {
                 spdlog::warn("watchdog: actor system did not answer: {}",
                              caf::to_string(err));
               });
    if (alive)
      sd_notify(0, "WATCHDOG=1");
  }
}

} // namespace memoryd
