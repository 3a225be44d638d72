#pragma once

// JSON merge patch (RFC 7396) and the type rules of a session's preferences.

#include <boost/json/value.hpp>

namespace memoryd {

/// Applies `patch` to `target` as RFC 7396 says: an object patch merges key
/// by key and `null` removes a key; any other patch replaces the target.
void apply_merge_patch(boost::json::value& target, const boost::json::value& patch);

/// Checks the known preference keys: default_color_scheme, default_site_type
/// and design_style are strings, favorite_features an array of strings.
/// Other keys are kept as given. No key or string may hold U+0000. With
/// `allow_null`, a null (a merge patch's removal) passes. Throws
/// request_error(validation) naming the key.
void validate_preferences(const boost::json::object& prefs, bool allow_null);

} // namespace memoryd
