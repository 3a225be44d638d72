#pragma once

// Feeds systemd's watchdog (WatchdogSec=) only while the actor system
// answers: a thread asks one session actor for its status every half period
// and sends WATCHDOG=1 when the answer comes in time. A wedged scheduler thus
// gets the daemon restarted; a down database does not (restarting would not
// help, and /readyz reports it).

#include <condition_variable>
#include <mutex>
#include <thread>

#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"

namespace memoryd {

class watchdog {
public:
  /// Does nothing when systemd asked for no watchdog.
  watchdog(caf::actor_system& sys, status_client_actor probe);
  ~watchdog();

  void stop();

private:
  void loop(std::chrono::microseconds period);

  caf::actor_system& sys_;
  status_client_actor probe_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace memoryd
