#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/errors.hpp"
#include "actors/probed.hpp"

namespace memoryd {

namespace {

// Never sent: a behavior needs one handler to keep its actor alive.
using never = caf::atom_constant<caf::atom("never")>;

} // namespace

caf::actor spawn_refuser(caf::actor_system& sys, std::string message) {
  return sys.spawn([message](caf::event_based_actor* self) -> caf::behavior {
    self->set_default_handler(
      [message](caf::scheduled_actor*,
                caf::message_view&) -> caf::result<caf::message> {
        return make_error(errc::unavailable, message);
      });
    return {[](never) {}};
  });
}

} // namespace memoryd
