#include "actors/merge_patch.hpp"

#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "actors/errors.hpp"
#include "actors/json_body.hpp"

namespace memoryd {

void apply_merge_patch(boost::json::value& target,
                       const boost::json::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object())
    target = boost::json::object{};
  auto& obj = target.get_object();
  for (const auto& [key, value] : patch.get_object()) {
    if (value.is_null()) {
      obj.erase(key);
      continue;
    }
    apply_merge_patch(obj[key], value);
  }
}

void validate_preferences(const boost::json::object& prefs, bool allow_null) {
  // Stored as JSON text, on PostgreSQL in jsonb, which cannot hold U+0000.
  for (const auto& [key, value] : prefs) {
    if (key.find('\0') != boost::json::string_view::npos)
      throw request_error(error_type::validation,
                          "preferences must not contain U+0000");
    reject_nul(value, "preferences");
  }
  static constexpr std::string_view string_keys[]
    = {"default_color_scheme", "default_site_type", "design_style"};
  auto fail = [](std::string_view key, std::string_view expected) {
    throw request_error(error_type::validation,
                        "preferences." + std::string{key} + " must be "
                          + std::string{expected});
  };
  for (const auto& [key, value] : prefs) {
    if (allow_null && value.is_null())
      continue;
    for (auto known : string_keys)
      if (key == known && !value.is_string())
        fail(key, "a string");
    if (key == "favorite_features") {
      if (!value.is_array())
        fail(key, "an array of strings");
      for (const auto& item : value.get_array())
        if (!item.is_string())
          fail(key, "an array of strings");
    }
  }
}

} // namespace memoryd
