#pragma once

// Guards posts from foreign threads (responders answering from actor
// threads) against the io_context going away under them: a post happens only
// while the gate is open, and the server closes it after joining its io
// threads and before destroying the io_context.

#include <mutex>
#include <shared_mutex>
#include <utility>

namespace memoryd::net {

class io_gate {
public:
  /// Runs `f` (which may post onto the io_context) unless the gate is
  /// closed; the io_context outlives the call. Returns whether `f` ran.
  template <class F>
  bool run_if_open(F&& f) {
    std::shared_lock lock{mutex_};
    if (!open_)
      return false;
    std::forward<F>(f)();
    return true;
  }

  /// Waits for running calls of run_if_open, then refuses later ones.
  void close() {
    std::unique_lock lock{mutex_};
    open_ = false;
  }

private:
  std::shared_mutex mutex_;
  bool open_ = true;
};

} // namespace memoryd::net
