#pragma once

// Whole sessions in and out, over one soci::session: the storage side of
// export and import. Blocking; used only by storage workers and tests.

#include <chrono>
#include <optional>
#include <string>

#include "storage/archive_records.hpp"

namespace soci {
class session;
}

namespace memoryd::storage {

class archive_repository {
public:
  explicit archive_repository(soci::session& sql);

  /// The session and, with `include_sites`, all that belongs to it, read in
  /// one snapshot. nullopt for an unknown session.
  std::optional<session_archive> read(const std::string& session_id,
                                      bool include_sites);

  /// Writes `archive` as it is (its ids, numbers, timestamps and revisions
  /// as given) in one transaction: all of it or, on any failure, nothing. Each site's
  /// versions must be numbered 1..n in order (std::invalid_argument).
  ///
  /// Each row is checked as site_repository checks it (lower-case UUIDs,
  /// no U+0000, canonical timestamps, an audit or a deployment of a
  /// version the site does not have; std::invalid_argument) and the
  /// database enforces the rest (a duplicate version number, a deployment
  /// status it does not know).
  /// conflict when an id is already taken: the caller gives everything new
  /// ids, so existing data is never touched. deadline_passed, having written
  /// nothing, when the time is past `commit_by` just before the commit.
  void write(const session_archive& archive,
             std::chrono::system_clock::time_point commit_by
             = std::chrono::system_clock::time_point::max());

private:
  soci::session& sql_;
};

} // namespace memoryd::storage
