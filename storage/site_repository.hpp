#pragma once

// Sites with their gapless version history, audits and deployments, over one
// soci::session. Blocking; used only by storage workers and tests. Every
// write is one transaction.
//
// Version numbers are 1, 2, 3, ... per site with no gap and no duplicate,
// whatever the number of writers and daemons: a writer reserves its numbers
// by incrementing sites.latest_version, whose row lock queues the other
// writers of that site until it commits (BEGIN IMMEDIATE does the same for
// the whole SQLite database), and PRIMARY KEY (site_id, version) guarantees
// the rest.
//
// Ids are the caller's, lower-case UUIDs (checked: std::invalid_argument).
// Text may be any Unicode but U+0000, which PostgreSQL cannot store: it is
// refused with std::invalid_argument on both backends. JSON texts must be
// valid JSON (the caller parsed them).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/site_records.hpp"

namespace soci {
class session;
}

namespace memoryd::storage {

class site_repository {
public:
  /// The most a page or a list of a view may hold.
  static constexpr std::size_t max_page_size = 1000;

  /// How many audits and deployments view() returns by default.
  static constexpr std::size_t default_view_events = 100;

  explicit site_repository(soci::session& sql);

  /// Inserts the site and `first` as its version 1 (latest_version 1,
  /// revision 1). Empty timestamps are now; the version's created_at
  /// defaults to the site's. Returns the site as stored. Throws not_found
  /// when the session does not exist, conflict when the site id does.
  site_record create(const site_record& site, const new_version& first);

  /// Appends `batch` (not empty) as the next versions of the site, in one
  /// transaction, and returns their numbers in batch order. Bumps the
  /// site's revision once and sets its updated_at to the last version's
  /// created_at. Throws not_found for an unknown site.
  ///
  /// A number that already exists in site_versions throws storage::conflict
  /// and writes nothing. Not a retryable error: the numbers come from
  /// sites.latest_version under its row lock, so a clash means that row
  /// disagrees with site_versions (a hand edit), and another attempt would
  /// reserve the same numbers again.
  /// `new_revision`, when given, receives the site's revision after the
  /// commit (saving a read for the cache's fence).
  std::vector<int64_t> add_versions(const std::string& site_id,
                                    const std::vector<new_version>& batch,
                                    int64_t* new_revision = nullptr);

  /// Creates site `f.site_id` in session `f.session_id` holding versions
  /// 1..f.up_to_version (0: the latest) of the source site, numbers, code,
  /// requirements, changes and times as they are (not its audits or
  /// deployments); its name is the source's unless given, and it records
  /// where it came from (forked_from). One transaction; the caller checks
  /// that source and session belong to the same tenant. Returns the new
  /// site. Throws not_found for an unknown source, session or version,
  /// conflict when the new id exists.
  site_record fork(const site_fork& f);

  /// The site with its latest version (with code), up to `max_versions`
  /// version metadata rows, `max_audits` audits and `max_deployments`
  /// deployments (each newest first, with a flag when more exist), all read
  /// in one snapshot. Each limit is at most max_page_size and may be 0.
  /// nullopt for an unknown site.
  std::optional<site_view>
  view(const std::string& site_id, std::size_t max_versions,
       std::size_t max_audits = default_view_events,
       std::size_t max_deployments = default_view_events);

  /// One page of the session's sites, oldest first by (created_at,
  /// site_id), continuing strictly after the cursor when `has_cursor`.
  /// `limit` is 1 to max_page_size. Throws not_found for an unknown session
  /// (an existing session without sites has an empty page).
  site_page list_sites(const std::string& session_id, std::size_t limit,
                       bool has_cursor, const std::string& after_created_at,
                       const std::string& after_site_id);

  /// One page of version metadata, newest first, of the versions below
  /// `before_version` (0: from the newest). Versions added meanwhile are
  /// above any cursor, so walking the pages neither repeats nor skips one.
  /// Throws not_found for an unknown site.
  version_page list_versions(const std::string& site_id, std::size_t limit,
                             int64_t before_version);

  /// Version `n` with its code; nullopt when the site or version does not
  /// exist.
  std::optional<version_record> version(const std::string& site_id,
                                        int64_t n);

  /// Inserts the audit, sets the audited version's audit_score to its
  /// score, bumps the site's revision and sets its updated_at to the
  /// audit's created_at (empty: now). Returns the audit as stored. Throws
  /// not_found when the site or the version does not exist (nothing is
  /// written), conflict when the audit id exists.
  audit_record add_audit(const audit_record& a);

  /// Inserts the deployment and bumps the site's revision, as add_audit.
  /// Throws not_found when the site or the version does not exist, conflict
  /// when the deployment id exists.
  deployment_record add_deployment(const deployment_record& d);

  /// The site's current revision (nullopt for an unknown site): a cheap
  /// read after a write, for fencing the cache.
  std::optional<int64_t> revision(const std::string& site_id);

  /// The ids of the session's sites (none for an unknown session), for
  /// dropping their cache entries when the session goes.
  std::vector<std::string> site_ids_of_session(const std::string& session_id);

private:
  soci::session& sql_;
};

} // namespace memoryd::storage
