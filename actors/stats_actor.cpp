#include "actors/stats_actor.hpp"

#include <chrono>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "telemetry/clock.hpp"

namespace memoryd {

stats_actor::behavior_type
stats_sampler(stats_actor::stateful_pointer<stats_state> self,
              std::shared_ptr<telemetry::registry> figures) {
  self->state.figures = std::move(figures);
  self->state.figures->sample_now(telemetry::now_ns());
  self->delayed_send(self, std::chrono::seconds{1}, atom::sample::value);
  return {
    [=](atom::sample) {
      self->state.figures->sample_now(telemetry::now_ns());
      self->delayed_send(self, std::chrono::seconds{1}, atom::sample::value);
    },
  };
}

} // namespace memoryd
