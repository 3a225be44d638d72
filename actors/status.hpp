#pragma once

// The answer every actor gives to `status`: its name and id and its probe's
// counters. The watchdog asks for it to see that the actors answer; the
// figures operators read come from the probes directly (/admin/stats).

#include <caf/scheduled_actor.hpp>
#include <caf/settings.hpp>

#include "telemetry/actor_probe.hpp"

namespace memoryd {

caf::settings make_status(caf::scheduled_actor* self,
                          const telemetry::actor_probe& probe);

} // namespace memoryd
