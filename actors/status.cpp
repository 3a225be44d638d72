#include "actors/status.hpp"

#include <string>

namespace memoryd {

caf::settings make_status(caf::scheduled_actor* self,
                          const telemetry::actor_probe& probe) {
  auto r = probe.read();
  caf::settings s;
  caf::put(s, "name", probe.name());
  caf::put(s, "id", static_cast<uint64_t>(self->id()));
  caf::put(s, "mailbox", r.mailbox);
  caf::put(s, "handled", r.handled);
  caf::put(s, "failed", r.errors);
  return s;
}

} // namespace memoryd
