#pragma once

// Row-shaped records of sites and what hangs below them: versions, audits,
// deployments. Plain data, the conventions of records.hpp: no std::optional
// (a `has_x` flag says whether `x` is set, i.e. not SQL NULL), JSON columns
// as their text, timestamps as RFC 3339 UTC strings with microseconds.

#include <cstdint>
#include <string>
#include <vector>

namespace memoryd::storage {

struct site_record {
  std::string site_id;           // lower-case UUID
  std::string session_id;        // the owning session
  std::string name;
  bool has_site_type = false;
  std::string site_type;
  int64_t latest_version = 0;    // the highest version number; 1 when new
  /// Goes up by one with every write that changes the site's view (a new
  /// version, an audit, a deployment): the cache keeps the higher one.
  int64_t revision = 1;
  /// A fork's source: the site and the version it was forked at (the
  /// source may have been deleted since).
  bool has_forked_from = false;
  std::string forked_from_site_id;
  int64_t forked_from_version = 0;
  std::string created_at;
  std::string updated_at;
};

/// One version of a site. Metadata reads leave the code out (has_code false,
/// code empty); code_size and code_sha256 are always there.
struct version_record {
  std::string site_id;
  int64_t version = 0;           // 1, 2, 3, ... per site, no gap
  bool has_code = false;
  std::string code;              // any Unicode text but U+0000, byte for byte
  int64_t code_size = 0;         // bytes
  std::string code_sha256;       // lower-case hex, as the caller computed it
  bool has_requirements = false;
  std::string requirements_json; // any JSON value
  bool has_changes = false;
  std::string changes;
  bool has_audit_score = false;  // the score of the latest audit of it
  double audit_score = 0;
  int64_t restored_from = 0;     // the version it restored; 0: none
  std::string created_at;
};

/// A version to add: its number is assigned by the repository.
struct new_version {
  std::string code;
  int64_t code_size = 0;         // must be code.size()
  std::string code_sha256;
  bool has_requirements = false;
  std::string requirements_json;
  bool has_changes = false;
  std::string changes;
  int64_t restored_from = 0;     // a restore: the version copied; 0: none
  std::string created_at;        // empty: now
};

/// A fork: a new site holding versions 1..up_to_version of a site.
struct site_fork {
  std::string source_site_id;
  std::string site_id;           // the new site's id
  std::string session_id;        // the new site's session; empty: the
                                 // source's
  int64_t up_to_version = 0;     // 0: the source's latest
  bool has_name = false;         // else the source's name
  std::string name;
  std::string created_at;        // empty: now
};

struct audit_record {
  std::string audit_id;          // lower-case UUID
  std::string site_id;
  int64_t version = 0;
  double score = 0;              // 0 to 100
  bool has_results = false;
  std::string results_json;      // a JSON object
  std::string created_at;
};

struct deployment_record {
  std::string deployment_id;     // lower-case UUID
  std::string site_id;
  int64_t version = 0;
  std::string status;            // "pending", "succeeded" or "failed"
  bool has_url = false;
  std::string url;
  bool has_provider = false;
  std::string provider;
  bool has_details = false;
  std::string details_json;      // a JSON object
  std::string created_at;
};

/// GET /api/sessions/sites/{id}, read as of one moment: `site.revision`
/// describes exactly this content.
struct site_view {
  site_record site;
  version_record latest;                // site.latest_version, with code
  std::vector<version_record> versions; // metadata only, newest first
  bool versions_truncated = false;      // older versions were left out
  std::vector<audit_record> audits;     // newest first
  bool audits_truncated = false;
  std::vector<deployment_record> deployments; // newest first
  bool deployments_truncated = false;
};

/// One page of GET /api/sessions/{id}/sites, oldest first by
/// (created_at, site_id).
struct site_page {
  std::vector<site_record> items;
  bool has_more = false;
};

/// One page of GET /api/sessions/sites/{id}/versions, newest first, metadata
/// only.
struct version_page {
  std::vector<version_record> items;
  bool has_more = false;
};

} // namespace memoryd::storage
