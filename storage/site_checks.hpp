#pragma once

// What site_repository checks before it writes, and its error messages:
// the same rules on both backends, so that SQLite accepts nothing that
// PostgreSQL would refuse. Internal to storage/.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/dialect.hpp"
#include "storage/site_records.hpp"
#include "storage/site_repository.hpp"
#include "storage/uuid.hpp"

namespace memoryd::storage::site_checks {

inline void require_uuid(const std::string& id, std::string_view what) {
  if (!is_canonical_uuid(id))
    throw std::invalid_argument(std::string{what} + " \"" + id
                                + "\" is not a lower-case UUID");
}

// PostgreSQL text cannot hold U+0000, and SOCI hands strings to libpq as C
// strings, which would silently cut the value short there. Refused on both
// backends alike.
inline void require_text(const std::string& text, std::string_view what) {
  if (text.find('\0') != std::string::npos)
    throw std::invalid_argument(std::string{what} + " contains U+0000");
}

// The same for JSON text, where jsonb also refuses the escape "\u0000"
// (SQLite's json_valid() takes it). The text is valid JSON, so a backslash
// occurs only in strings, where it starts an escape of two or more chars.
inline void require_json_text(const std::string& json, std::string_view what) {
  require_text(json, what);
  for (auto i = json.find('\\'); i != std::string::npos;
       i = json.find('\\', i + 2))
    if (json.compare(i + 1, 5, "u0000") == 0)
      throw std::invalid_argument(std::string{what} + " contains U+0000");
}

// The text of a version, new or stored (new_version and version_record
// share these fields).
template <class Version>
void require_version_text(const Version& v) {
  require_text(v.code, "code");
  if (v.code_size != static_cast<int64_t>(v.code.size()))
    throw std::invalid_argument("code_size " + std::to_string(v.code_size)
                                + " is not the code's size, "
                                + std::to_string(v.code.size()));
  require_text(v.code_sha256, "code_sha256");
  if (v.has_requirements)
    require_json_text(v.requirements_json, "requirements");
  if (v.has_changes)
    require_text(v.changes, "changes");
}

inline void require_limit(std::size_t limit, std::size_t min, std::string_view what) {
  if (limit < min || limit > site_repository::max_page_size)
    throw std::invalid_argument(
      "a page holds " + std::to_string(min) + " to "
      + std::to_string(site_repository::max_page_size) + " "
      + std::string{what} + ", not " + std::to_string(limit));
}

// The canonical form of `text`, or `fallback` when it is empty.
inline std::string timestamp_or(const std::string& text, const std::string& fallback,
                         std::string_view what) {
  return text.empty() ? fallback : dialect::timestamp_to_db(text, what);
}

inline std::string no_session(const std::string& session_id) {
  return "session " + session_id + " does not exist";
}

inline std::string no_site(const std::string& site_id) {
  return "site " + site_id + " does not exist";
}

inline std::string no_version(const std::string& site_id, int64_t n) {
  return "version " + std::to_string(n) + " of site " + site_id
         + " does not exist";
}

} // namespace memoryd::storage::site_checks
