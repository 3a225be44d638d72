#pragma once

// The bodies of the export and import routes around an export document
// (see archive_codec.hpp): the compressed form is base64(gzip(document)).
// Rendering streams the document into gzip; reading inflates into a
// streaming JSON parser, so the size and depth limits hold while inflating
// and the inflated text never exists as a whole.

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "storage/archive_records.hpp"

namespace memoryd {

/// What a POST /api/sessions/export asks for.
struct export_request {
  std::string session_id;  // lower case
  bool include_sites = true;
  bool compress = true;
};

/// Reads {"session_id", "include_sites"? (true), "compress"? (true)}.
/// Throws request_error (validation) naming what is wrong.
export_request decode_export_request(const boost::json::value& body);

/// 200 body of POST /api/sessions/export: {"session_id", "format",
/// "format_version", "compressed", "data"}.
std::string render_export_body(const storage::session_archive& archive,
                               bool compress, std::string_view exported_at);

struct import_limits {
  /// MAX_IMPORT_BYTES: the largest inflated document.
  std::size_t max_document_bytes = 268435456;
  /// MAX_JSON_DEPTH: how deep a request body may nest; a document gets
  /// archive_nesting levels more for its own structure.
  std::size_t max_json_depth = 64;
};

/// Reads a POST /api/sessions/import body, {"data", "compressed"?}, into
/// the archive it holds, checked as decode_archive() checks it.
/// "compressed" defaults to whether data is a string. Throws
/// request_error: validation for bad JSON, base64, gzip or document,
/// payload_too_large when the inflated document passes the limit.
storage::session_archive read_import_body(std::string_view body,
                                          const import_limits& limits);

} // namespace memoryd
