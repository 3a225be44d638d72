#pragma once

// GET /admin/stats: every figure of the registry as one JSON document, with
// rates and quantiles over the recent window (docs/operations.md lists
// every field).

#include <cstdint>
#include <string>

#include "telemetry/registry.hpp"

namespace memoryd::telemetry {

std::string render_stats_json(const registry& reg, int64_t now_ns);

} // namespace memoryd::telemetry
