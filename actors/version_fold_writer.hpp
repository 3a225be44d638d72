#pragma once

// The storage side of a version fold (actors/site_actor.hpp): the waiting
// versions of several sites written in the worker's open transaction.

#include <vector>

#include <soci/soci.h>

#include "actors/site_payloads.hpp"
#include "actors/storage_work.hpp"

namespace memoryd {

/// Adds each group's versions and their feed events; the outcome of each
/// group, in request order (see version_fold_writer.cpp).
version_fold add_version_groups(storage_work::worker_ptr self,
                                soci::session& sql,
                                const std::vector<version_group>& groups);

} // namespace memoryd
