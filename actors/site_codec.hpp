#pragma once

// The JSON shape of sites, versions, audits and deployments: decoding request
// bodies (with the contract's type rules) and rendering records.

#include <string>

#include <boost/json/value.hpp>

#include "storage/site_records.hpp"

namespace memoryd {

/// POST /api/sessions/{id}/sites: {"name", "site_type"?, "code",
/// "requirements"?, "changes"?}. Fills the draft site and its version 1.
/// Throws request_error(validation).
void decode_site_create(const boost::json::value& body,
                        storage::site_record& site,
                        storage::new_version& first);

/// POST /api/sessions/sites/{id}/versions: {"code", "requirements"?,
/// "changes"?}. Computes code_size and code_sha256.
storage::new_version decode_version_create(const boost::json::value& body);

/// POST .../audits: {"version", "score" 0..100, "results"?}.
storage::audit_record decode_audit_create(const boost::json::value& body);

/// POST …/versions/{n}/restore: {"changes"?} (may be empty). The draft
/// names n in restored_from and says so in changes ("Restored from version
/// n", then ": " and the client's note, if any); the site actor fills in
/// version n's code and requirements.
storage::new_version decode_version_restore(const boost::json::value& body,
                                            int64_t version);

/// POST …/fork: {"session_id"?, "up_to_version"?, "name"?}.
storage::site_fork decode_site_fork(const boost::json::value& body);

/// POST .../deployments: {"version", "status", "url"?, "provider"?,
/// "details"?}.
storage::deployment_record
decode_deployment_create(const boost::json::value& body);

/// A path's version number: a whole number from 1; request_error otherwise.
int64_t parse_version_number(const std::string& text);

/// The site with latest_version (with code), versions, audits, deployments.
std::string render_site_view(const storage::site_view& v);

/// {"items": [site summaries], "next_cursor"}
std::string render_site_page(const storage::site_page& page);

/// A version: metadata, and the code when the record has it.
std::string render_version(const storage::version_record& v);

/// {"items": [version metadata], "next_cursor"}
std::string render_version_page(const storage::version_page& page);

std::string render_audit(const storage::audit_record& a);
std::string render_deployment(const storage::deployment_record& d);

// The pieces of the renderings above, appended to `out`, for documents
// that hold many records (an export).

/// A version as render_version() has it.
void append_version(std::string& out, const storage::version_record& v);
/// The fields of a site summary, without the braces around them.
void append_site_fields(std::string& out, const storage::site_record& s);
void append_audit(std::string& out, const storage::audit_record& a);
void append_deployment(std::string& out, const storage::deployment_record& d);

// The records of an export document, which have the shape of the renderings
// above (a version with its code). Ids, the owning site and counts are the
// exporter's and are not read back; what carries data is required, and
// code_size and code_sha256 must match the code. Throws
// request_error(validation).

/// A site's own fields (not its versions, audits or deployments).
storage::site_record decode_archived_site(const boost::json::object& obj);
storage::version_record decode_archived_version(const boost::json::value& v);
storage::audit_record decode_archived_audit(const boost::json::value& v);
storage::deployment_record
decode_archived_deployment(const boost::json::value& v);

} // namespace memoryd
