#pragma once

// zstd for stored code (libzstd): a whole text alone (a keyframe), or a
// text against another one as a prefix dictionary (a delta, zstd's
// "patch-from"), so that a version that differs from its keyframe by a few
// lines costs about those lines. Internal to storage/.
//
// Every frame records its content size and a checksum; decompress() knows
// the size it must produce and refuses anything else (corrupt_blob, in
// storage/errors.hpp), so a damaged or forged blob never yields more than
// that many bytes.

#include <cstddef>
#include <string>
#include <string_view>

#include "storage/errors.hpp"

namespace memoryd::storage::zstd_codec {

/// The level of keyframes: written once per chain, read often.
constexpr int keyframe_level = 9;

/// The level of deltas: made with every version (on the bench history,
/// level 5 makes them 11% smaller than level 3, for half a millisecond).
constexpr int delta_level = 5;

/// `text` compressed alone.
std::string compress(std::string_view text, int level = keyframe_level);

/// `text` compressed with `prefix` (a keyframe's text) as its dictionary.
std::string compress_against(std::string_view text, std::string_view prefix,
                             int level = delta_level);

/// The text of `frame`, which must be exactly `size` bytes, decoded with
/// `prefix` (empty for a keyframe). Throws corrupt_blob otherwise.
std::string decompress(std::string_view frame, std::size_t size,
                       std::string_view prefix = {});

} // namespace memoryd::storage::zstd_codec
