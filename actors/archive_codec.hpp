#pragma once

// The export document, format "memoryd-session", format_version 1:
//
//   {"format": "memoryd-session", "format_version": 1, "exported_at": ts,
//    "session": <the session as GET /api/sessions/{id} shows it>,
//    "sites": [<a site summary, with "versions": [every version with its
//               code, oldest first], "audits": [...], "deployments": [...]
//               (oldest first)>, ...]}
//
// "sites" is left out when the export did not include them. Records have
// the shapes the API renders, so a document reads like the API's answers.

#include <cstdint>
#include <functional>
#include <string_view>

#include <boost/json/value.hpp>

#include "storage/archive_records.hpp"

namespace memoryd {

inline constexpr std::string_view archive_format = "memoryd-session";
/// 2 adds the agents of provenance (created_by, updated_by, agent); a
/// version 1 document still imports, without them.
inline constexpr int64_t archive_format_version = 2;

/// How much deeper than its request body an export document nests above
/// the JSON values it carries (a version's requirements sit at
/// document > sites > site > versions > version): a document must hold
/// every value the API accepted.
inline constexpr std::size_t archive_nesting = 5;

/// Receives a rendered document in pieces.
using document_sink = std::function<void(std::string_view piece)>;

/// Renders `archive` as the export document, handing it to `out` in pieces
/// of a few dozen KB (about a version each), so that a large session never
/// exists as one string.
void render_archive(const storage::session_archive& archive,
                    std::string_view exported_at, const document_sink& out);

/// Reads an export document and checks all of it: format and version, the
/// types and rules of every field, versions numbered 1 to n without gap or
/// duplicate in each site, audits and deployments of versions the site
/// has. Ids and timestamps of the session are left empty for the importer.
/// Throws request_error(validation) naming the place ("sites[2].versions[0]:
/// code_sha256 is not the SHA-256 of the code").
storage::session_archive decode_archive(const boost::json::value& document);

} // namespace memoryd
