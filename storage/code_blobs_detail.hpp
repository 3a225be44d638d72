#pragma once

// What code_blobs.cpp (planning) and code_blob_store.cpp (storing) share;
// nothing else uses it.

#include <string>

namespace soci {
class session;
}

namespace memoryd::storage::code_blobs::detail {

/// Whether blob `sha256` is there (as a delta base, when `as_base`), and if
/// `locked`, key-share locked against its deletion until the commit.
bool blob_exists(soci::session& sql, const std::string& sha256, bool locked,
                 bool as_base = false);

/// Drops the chains this thread remembers per site (a base they end in
/// may be gone): the next writes read theirs from the database.
void forget_known_chains();

} // namespace memoryd::storage::code_blobs::detail
