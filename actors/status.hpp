#pragma once

// The common part of every actor's status answer (for /admin/stats and
// `memoryctl top`): name, id, mailbox size and the actor's own counters.

#include <cstdint>

#include <caf/scheduled_actor.hpp>
#include <caf/settings.hpp>

namespace memoryd {

/// Counters every actor keeps in its state.
struct actor_counters {
  uint64_t handled = 0;  // messages answered
  uint64_t failed = 0;   // answered with an error
};

/// Call only from inside `self`'s own handler (mailbox().size() is not safe
/// from other threads).
caf::settings make_status(caf::scheduled_actor* self, const actor_counters& c);

} // namespace memoryd
