#pragma once

// The migrations compiled into the library (generated from
// storage/migrations/<backend>/*.sql by embed_migrations.cmake). Internal to
// storage/: everyone else goes through migrations.hpp.

#include <vector>

#include "storage/database.hpp"
#include "storage/migrations.hpp"

namespace memoryd::storage::detail {

/// The backend's migrations, numbered 1, 2, 3... in order.
const std::vector<migration>& embedded_migrations(backend b);

} // namespace memoryd::storage::detail
