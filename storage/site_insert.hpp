#pragma once

// The checks and INSERTs of audits and deployments, shared by the site
// repository (one new row) and the archive repository (a whole session).
// Internal to storage/. Each runs inside the caller's transaction and
// throws conflict when the id is taken (std::invalid_argument for a value
// the database could not store).

#include <stdexcept>
#include <string>

#include <soci/soci.h>

#include "storage/errors.hpp"
#include "storage/site_checks.hpp"
#include "storage/site_records.hpp"
#include "storage/site_sql.hpp"
#include "storage/statement.hpp"

namespace memoryd::storage::site_insert {

inline void require_audit(const audit_record& a) {
  site_checks::require_uuid(a.audit_id, "audit id");
  if (!(a.score >= 0 && a.score <= 100)) // also false for NaN
    throw std::invalid_argument("score " + std::to_string(a.score)
                                + " is not between 0 and 100");
  if (a.has_results)
    site_checks::require_json_text(a.results_json, "results");
}

inline void require_deployment(const deployment_record& d) {
  site_checks::require_uuid(d.deployment_id, "deployment id");
  if (d.status != "pending" && d.status != "succeeded" && d.status != "failed")
    throw std::invalid_argument("deployment status \"" + d.status
                                + "\" is not pending, succeeded or failed");
  if (d.has_url)
    site_checks::require_text(d.url, "url");
  if (d.has_provider)
    site_checks::require_text(d.provider, "provider");
  if (d.has_details)
    site_checks::require_json_text(d.details_json, "details");
}

/// Inserts `a` below `site_id` with `created_at` in the database's form.
inline void insert_audit(soci::session& sql, const std::string& site_id,
                         const audit_record& a, const std::string& created_at) {
  nullable results{a.has_results};
  nullable agent{!a.agent.empty()};
  long long version = 0;
  sql << site_sql::insert_audit_sql, soci::use(a.audit_id, "audit_id"),
    soci::use(site_id, "site_id"), soci::use(a.version, "version"),
    soci::use(a.score, "score"),
    soci::use(a.results_json, results.flag, "results"),
    soci::use(a.agent, agent.flag, "agent"), soci::use(created_at, "created_at"), soci::into(version);
  if (!sql.got_data())
    throw conflict("audit " + a.audit_id + " already exists");
}

inline void insert_deployment(soci::session& sql, const std::string& site_id,
                              const deployment_record& d,
                              const std::string& created_at) {
  nullable url{d.has_url};
  nullable provider{d.has_provider};
  nullable details{d.has_details};
  nullable agent{!d.agent.empty()};
  long long version = 0;
  sql << site_sql::insert_deployment_sql,
    soci::use(d.deployment_id, "deployment_id"), soci::use(site_id, "site_id"),
    soci::use(d.version, "version"), soci::use(d.status, "status"),
    soci::use(d.url, url.flag, "url"),
    soci::use(d.provider, provider.flag, "provider"),
    soci::use(d.details_json, details.flag, "details"),
    soci::use(d.agent, agent.flag, "agent"), soci::use(created_at, "created_at"), soci::into(version);
  if (!sql.got_data())
    throw conflict("deployment " + d.deployment_id + " already exists");
}

} // namespace memoryd::storage::site_insert
