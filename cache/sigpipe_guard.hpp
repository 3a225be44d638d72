#pragma once

// hiredis writes with write(2), which raises SIGPIPE when the peer has gone
// away; the default action would kill the daemon because Redis died. While a
// guard lives, SIGPIPE is blocked on the calling thread (the write then just
// fails with EPIPE), and a SIGPIPE raised meanwhile is consumed before the
// old mask returns. The technique libpq uses; the process-wide disposition
// is left alone.

#include <csignal>

namespace memoryd::cache {

class sigpipe_guard {
public:
  sigpipe_guard();
  ~sigpipe_guard();
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

private:
  sigset_t old_mask_;
  bool was_pending_ = false; // then it is not ours to consume
};

} // namespace memoryd::cache
