#include "actors/status.hpp"

#include <string>

namespace memoryd {

caf::settings make_status(caf::scheduled_actor* self, const actor_counters& c) {
  caf::settings s;
  caf::put(s, "name", std::string{self->name()});
  caf::put(s, "id", static_cast<uint64_t>(self->id()));
  caf::put(s, "mailbox-size", static_cast<uint64_t>(self->mailbox().size()));
  caf::put(s, "handled", c.handled);
  caf::put(s, "failed", c.failed);
  return s;
}

} // namespace memoryd
