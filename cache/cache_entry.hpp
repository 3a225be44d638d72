#pragma once

// What the cache stores: a serialized response body and the revision of the
// data it was rendered from. Writes are "put if newer", so a slow reader that
// fills the cache after a writer's commit cannot replace newer data, and a
// deletion leaves a tombstone that outranks any late fill.

#include <chrono>
#include <cstdint>
#include <string>

namespace memoryd::cache {

/// An entry with an empty value is a fence: never served, it only keeps
/// puts of older revisions out (a writer leaves one instead of the new
/// value when rendering that value would cost more than the next read).
struct entry {
  int64_t revision = 0;
  std::string value;
};

/// One put_if_newer of a batch: `value` under `key` at `revision`, for
/// `ttl_seconds`, unless a newer revision is there.
struct put_request {
  std::string key;
  int64_t revision = 0;
  std::string value;
  int64_t ttl_seconds = 0;
};

/// Revision of a tombstone (written on delete): higher than any real
/// revision, and exact in a Lua number (2^53).
inline constexpr int64_t tombstone_revision = int64_t{1} << 53;

/// How long a tombstone keeps late fills out.
inline constexpr std::chrono::seconds tombstone_ttl{120};

} // namespace memoryd::cache
