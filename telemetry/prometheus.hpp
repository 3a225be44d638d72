#pragma once

// GET /metrics: the registry's cumulative figures in the Prometheus text
// format 0.0.4, by actor type and route (bounded labels), in base units.

#include <cstdint>
#include <string>

#include "telemetry/registry.hpp"

namespace memoryd::telemetry {

std::string render_prometheus(const registry& reg, int64_t now_ns);

} // namespace memoryd::telemetry
