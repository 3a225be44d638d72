#pragma once

// How memoryd's entries look in Redis, and what its clients read from
// Redis replies; shared by the blocking and the asynchronous client.

#include <optional>
#include <string>
#include <string_view>

#include "cache/cache_entry.hpp"

namespace memoryd::cache {

/// A stored value, "<revision>:<value>", as an entry; nullopt for a
/// tombstone, a fence (no value) or anything malformed.
std::optional<entry> decode_stored(std::string_view stored);

/// The run_id field of an INFO server reply; empty when absent.
std::string run_id_of(std::string_view info);

} // namespace memoryd::cache
