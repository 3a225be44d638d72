#include "actors/archive_codec.hpp"

#include <algorithm>
#include <string>

#include <boost/json.hpp>

#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/session_codec.hpp"
#include "actors/site_codec.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

namespace json = boost::json;

// Pieces handed to the sink are at least this large: the sink (a gzip
// stream) works best on big writes.
constexpr std::size_t piece_size = 64 * 1024;

[[noreturn]] void invalid(const std::string& message) {
  throw request_error(error_type::validation, message);
}

/// Runs `decode`, putting `where` in front of the message of a validation
/// error it throws, so that the client learns which record is wrong.
template <class Decode>
auto within(const std::string& where, Decode decode) {
  try {
    return decode();
  } catch (const request_error& e) {
    throw request_error(e.type, where + ": " + e.what());
  }
}

/// The array `key` of `obj`, or nullptr when it is absent.
const json::array* optional_array(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  if (v == nullptr)
    return nullptr;
  if (!v->is_array())
    invalid(std::string{key} + " must be an array");
  return &v->get_array();
}

/// Decodes each item of `items` with `decode`, naming `key`[i] on errors.
template <class Decode>
auto decode_items(const json::array* items, std::string_view key, Decode decode) {
  std::vector<decltype(decode(std::declval<const json::value&>()))> out;
  if (items == nullptr)
    return out;
  out.reserve(items->size());
  for (std::size_t i = 0; i < items->size(); ++i)
    out.push_back(within(std::string{key} + "[" + std::to_string(i) + "]",
                         [&] { return decode((*items)[i]); }));
  return out;
}

/// Versions must be exactly 1..n, as the site had them: numbers are kept.
void check_numbering(std::vector<storage::version_record>& versions) {
  std::sort(versions.begin(), versions.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const auto want = static_cast<int64_t>(i) + 1;
    if (versions[i].version == want)
      continue;
    if (i > 0 && versions[i].version == versions[i - 1].version)
      invalid("versions: version " + std::to_string(versions[i].version)
              + " appears twice");
    invalid("versions: the numbers must run from 1 without a gap, and "
            + std::to_string(want) + " is missing");
  }
}

/// An audit or deployment must belong to a version in the document.
template <class Records>
void check_versions_exist(const Records& records, std::string_view key,
                          std::size_t version_count) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto v = records[i].version;
    if (v > static_cast<int64_t>(version_count))
      invalid(std::string{key} + "[" + std::to_string(i) + "]: version "
              + std::to_string(v) + " is not among the site's versions");
  }
}

storage::site_archive decode_site(const json::value& value) {
  const auto& obj = require_object(value, "a site");
  storage::site_archive out;
  out.site = decode_archived_site(obj);
  const auto* versions = optional_array(obj, "versions");
  if (versions == nullptr || versions->empty())
    invalid("versions is required and holds at least version 1");
  out.versions = decode_items(versions, "versions", decode_archived_version);
  check_numbering(out.versions);
  out.audits =
    decode_items(optional_array(obj, "audits"), "audits", decode_archived_audit);
  check_versions_exist(out.audits, "audits", out.versions.size());
  out.deployments = decode_items(optional_array(obj, "deployments"),
                                 "deployments", decode_archived_deployment);
  check_versions_exist(out.deployments, "deployments", out.versions.size());
  return out;
}

void check_format(const json::object& doc) {
  auto* format = doc.if_contains("format");
  if (format == nullptr)
    invalid("format is required");
  if (!format->is_string() || format->get_string() != archive_format)
    invalid("format must be \"" + std::string{archive_format}
            + "\": this is not a memoryd session export");
  auto* version = doc.if_contains("format_version");
  if (version == nullptr)
    invalid("format_version is required");
  // Version 1 is version 2 without the agents (provenance): both read.
  if (!version->is_int64() || version->get_int64() < 1
      || version->get_int64() > archive_format_version)
    invalid("format_version " + to_json_text(*version)
            + " is not supported: this memoryd reads format_version 1 to "
            + std::to_string(archive_format_version));
}

/// Collects rendered text and hands it on in pieces of piece_size or more.
class piece_buffer {
public:
  explicit piece_buffer(const document_sink& out) : out_(out) {
    text_.reserve(2 * piece_size);
  }

  std::string& text() {
    return text_;
  }

  /// Hands the text on once there is enough of it.
  void maybe_flush() {
    if (text_.size() >= piece_size)
      flush();
  }

  void flush() {
    if (text_.empty())
      return;
    out_(text_);
    text_.clear();
  }

private:
  const document_sink& out_;
  std::string text_;
};

template <class Records, class Append>
void render_array(piece_buffer& buffer, std::string_view key,
                  const Records& records, Append append) {
  buffer.text() += ",\"";
  buffer.text() += key;
  buffer.text() += "\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0)
      buffer.text() += ',';
    append(buffer.text(), records[i]);
    buffer.maybe_flush();
  }
  buffer.text() += ']';
}

void render_site(piece_buffer& buffer, const storage::site_archive& s) {
  buffer.text() += '{';
  append_site_fields(buffer.text(), s.site);
  render_array(buffer, "versions", s.versions, append_version);
  render_array(buffer, "audits", s.audits, append_audit);
  render_array(buffer, "deployments", s.deployments, append_deployment);
  buffer.text() += '}';
}

} // namespace

void render_archive(const storage::session_archive& archive,
                    std::string_view exported_at, const document_sink& out) {
  piece_buffer buffer{out};
  auto& text = buffer.text();
  text += "{\"format\":\"";
  text += archive_format;
  text += "\",\"format_version\":" + std::to_string(archive_format_version)
          + ",\"exported_at\":\"";
  text += exported_at;
  text += "\",\"session\":" + render_session(archive.session);
  if (archive.has_sites) {
    text += ",\"sites\":[";
    for (std::size_t i = 0; i < archive.sites.size(); ++i) {
      if (i > 0)
        text += ',';
      render_site(buffer, archive.sites[i]);
    }
    text += ']';
  }
  text += '}';
  buffer.flush();
}

storage::session_archive decode_archive(const json::value& document) {
  const auto& doc = require_object(document, "the export document");
  check_format(doc);
  reject_unknown_fields(doc, {"format", "format_version", "exported_at",
                              "session", "sites"});
  if (auto* at = doc.if_contains("exported_at");
      at != nullptr
      && (!at->is_string() || !storage::parse_timestamp(at->get_string())))
    invalid("exported_at must be a UTC timestamp such as "
            "2026-11-24T02:00:00.000000Z");
  auto* session = doc.if_contains("session");
  if (session == nullptr)
    invalid("session is required");
  storage::session_archive out;
  out.session = within("session", [&] { return decode_archived_session(*session); });
  const auto* sites = optional_array(doc, "sites");
  out.has_sites = sites != nullptr;
  out.sites = decode_items(sites, "sites", decode_site);
  return out;
}

} // namespace memoryd
