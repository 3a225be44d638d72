#pragma once

// GET /api/sessions/sites/{site_id}/versions/{n}/diff?against={m}: the
// query checked here, both versions read through the site actor (tenant
// scoped like GET …/versions/{k}), the diff computed by a diff worker.

#include "actors/front_actor.hpp"

namespace memoryd {

/// The most context lines a diff may ask for.
inline constexpr int64_t max_diff_context = 1000;

void serve_diff_route(front_pointer self, exchange_ptr ex);

} // namespace memoryd
