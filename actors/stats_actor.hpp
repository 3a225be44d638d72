#pragma once

// The stats actor: samples the telemetry registry once a second, so that
// /admin/stats can give rates and quantiles over the last seconds without
// any state in the readers.

#include <memory>

#include "actors/interfaces.hpp"
#include "telemetry/registry.hpp"

namespace memoryd {

struct stats_state {
  stats_state() = default;  // see caf-0.17-guide B3
  std::shared_ptr<telemetry::registry> figures;
  static inline const char* name = "memoryd.stats";
};

stats_actor::behavior_type
stats_sampler(stats_actor::stateful_pointer<stats_state> self,
              std::shared_ptr<telemetry::registry> figures);

} // namespace memoryd
