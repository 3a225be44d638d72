#pragma once

// A whole session as one value, for export and import: the session with its
// preferences and, when asked for, every site with all its versions (code
// included), audits and deployments. Plain data, the conventions of
// records.hpp.

#include <vector>

#include "storage/records.hpp"
#include "storage/site_records.hpp"

namespace memoryd::storage {

struct site_archive {
  site_record site;                           // latest_version = versions.size()
  std::vector<version_record> versions;       // 1, 2, 3, ..., with code
  std::vector<audit_record> audits;           // oldest first
  std::vector<deployment_record> deployments; // oldest first
};

struct session_archive {
  session_record session;
  bool has_sites = false;                     // the sites were asked for
  std::vector<site_archive> sites;            // oldest first
};

} // namespace memoryd::storage
