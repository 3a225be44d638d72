#include "cache/sigpipe_guard.hpp"

#include <pthread.h>

#include <ctime>

namespace memoryd::cache {

namespace {

sigset_t only_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

bool sigpipe_pending() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

} // namespace

sigpipe_guard::sigpipe_guard() : was_pending_(sigpipe_pending()) {
  auto set = only_sigpipe();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
}

sigpipe_guard::~sigpipe_guard() {
  if (!was_pending_ && sigpipe_pending()) {
    auto set = only_sigpipe();
    timespec no_wait{};
    sigtimedwait(&set, nullptr, &no_wait);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

} // namespace memoryd::cache
