#include "actors/site_codec.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

#include <boost/json.hpp>

#include "actors/cursor.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "codec/sha256.hpp"
#include "storage/uuid.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

namespace json = boost::json;

constexpr std::size_t max_name_bytes = 256;

[[noreturn]] void invalid(const std::string& message) {
  throw request_error(error_type::validation, message);
}

/// A required non-empty string field.
std::string required_string(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  if (v == nullptr)
    invalid(std::string{key} + " is required");
  if (!v->is_string() || v->get_string().empty())
    invalid(std::string{key} + " must be a non-empty string");
  return std::string{v->get_string()};
}

/// A required timestamp in the form memoryd writes.
std::string required_timestamp(const json::object& obj, std::string_view key) {
  auto text = required_string(obj, key);
  if (!storage::parse_timestamp(text))
    invalid(std::string{key}
            + " must be a UTC timestamp such as 2026-11-24T02:00:00.000000Z");
  return text;
}

/// An optional string field (null or absent: not set).
void optional_string(const json::object& obj, std::string_view key, bool& has,
                     std::string& out) {
  auto* v = obj.if_contains(key);
  if (v == nullptr || v->is_null())
    return;
  if (!v->is_string())
    invalid(std::string{key} + " must be a string or null");
  has = true;
  out = v->get_string();
}

/// An optional JSON object field, kept as text.
void optional_object(const json::object& obj, std::string_view key, bool& has,
                     std::string& out) {
  auto* v = obj.if_contains(key);
  if (v == nullptr || v->is_null())
    return;
  if (!v->is_object())
    invalid(std::string{key} + " must be a JSON object or null");
  has = true;
  out = to_json_text(*v);
}

/// A version number (a whole number from 1) in field `key`.
int64_t required_version_value(const json::value& v, std::string_view key) {
  if (!v.is_int64() && !v.is_uint64())
    invalid(std::string{key} + " must be a whole number");
  auto n = v.is_int64() ? v.get_int64() : static_cast<int64_t>(v.get_uint64());
  if (n < 1)
    invalid(std::string{key} + " must be 1 or more");
  return n;
}

int64_t required_version(const json::object& obj) {
  auto* v = obj.if_contains("version");
  if (v == nullptr)
    invalid("version is required");
  return required_version_value(*v, "version");
}

/// A score: a number from 0 to 100.
double read_score(const json::value& v, std::string_view key) {
  if (!v.is_number())
    invalid(std::string{key} + " must be a number from 0 to 100");
  const auto score = v.to_number<double>();
  if (!(score >= 0 && score <= 100))
    invalid(std::string{key} + " must be a number from 0 to 100");
  return score;
}

/// The code and what travels with it, from a site or version body.
storage::new_version read_version(const json::object& obj) {
  storage::new_version v;
  v.code = required_string(obj, "code");
  // PostgreSQL text and jsonb cannot hold NUL; SQLite would, but both must
  // agree. Checked here, not in the database: versions of one site share a
  // transaction, and one bad version must not fail the others.
  if (v.code.find('\0') != std::string::npos)
    invalid("code must not contain U+0000");
  v.code_size = static_cast<int64_t>(v.code.size());
  v.code_sha256 = codec::sha256_hex(v.code);
  if (auto* r = obj.if_contains("requirements"); r != nullptr && !r->is_null()) {
    v.has_requirements = true;
    v.requirements_json = to_json_text(*r);
  }
  optional_string(obj, "changes", v.has_changes, v.changes);
  if (v.changes.find('\0') != std::string::npos)
    invalid("changes must not contain U+0000");
  if (v.requirements_json.find("\\u0000") != std::string::npos)
    invalid("requirements must not contain U+0000");
  return v;
}

/// {"version", "score" 0..100, "results"?}
storage::audit_record read_audit(const json::object& obj) {
  storage::audit_record a;
  a.version = required_version(obj);
  auto* score = obj.if_contains("score");
  if (score == nullptr)
    invalid("score is required");
  a.score = read_score(*score, "score");
  optional_object(obj, "results", a.has_results, a.results_json);
  return a;
}

/// {"version", "status", "url"?, "provider"?, "details"?}
storage::deployment_record read_deployment(const json::object& obj) {
  storage::deployment_record d;
  d.version = required_version(obj);
  d.status = required_string(obj, "status");
  if (d.status != "pending" && d.status != "succeeded" && d.status != "failed")
    invalid("status must be one of pending, succeeded, failed");
  optional_string(obj, "url", d.has_url, d.url);
  optional_string(obj, "provider", d.has_provider, d.provider);
  optional_object(obj, "details", d.has_details, d.details_json);
  return d;
}

void append_quoted(std::string& out, bool has, const std::string& s) {
  out += has ? json_quote(s) : "null";
}

void append_raw(std::string& out, bool has, const std::string& json_text) {
  out += has ? json_text : "null";
}

std::string number_text(double d) {
  return to_json_text(json::value(d));
}

template <class Items, class Append>
void append_array(std::string& out, const Items& items, Append append) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += ',';
    append(out, items[i]);
  }
  out += ']';
}

} // namespace

void append_version(std::string& out, const storage::version_record& v) {
  out += "{\"site_id\":\"" + v.site_id + "\",\"version\":"
         + std::to_string(v.version) + ",\"changes\":";
  append_quoted(out, v.has_changes, v.changes);
  out += ",\"requirements\":";
  append_raw(out, v.has_requirements, v.requirements_json);
  out += ",\"audit_score\":";
  out += v.has_audit_score ? number_text(v.audit_score) : "null";
  out += ",\"restored_from\":";
  out += v.restored_from > 0 ? std::to_string(v.restored_from) : "null";
  out += ",\"code_size\":" + std::to_string(v.code_size) + ",\"code_sha256\":\""
         + v.code_sha256 + "\",\"created_at\":\"" + v.created_at + "\"";
  if (v.has_code)
    out += ",\"code\":" + json_quote(v.code);
  out += '}';
}

void append_site_fields(std::string& out, const storage::site_record& s) {
  out += "\"site_id\":\"" + s.site_id + "\",\"session_id\":\"" + s.session_id
         + "\",\"name\":" + json_quote(s.name) + ",\"site_type\":";
  append_quoted(out, s.has_site_type, s.site_type);
  out += ",\"forked_from\":";
  if (s.has_forked_from)
    out += "{\"site_id\":\"" + s.forked_from_site_id + "\",\"version\":"
           + std::to_string(s.forked_from_version) + "}";
  else
    out += "null";
  out += ",\"version_count\":" + std::to_string(s.latest_version)
         + ",\"created_at\":\"" + s.created_at + "\",\"updated_at\":\""
         + s.updated_at + "\"";
}

void append_audit(std::string& out, const storage::audit_record& a) {
  out += "{\"audit_id\":\"" + a.audit_id + "\",\"site_id\":\"" + a.site_id
         + "\",\"version\":" + std::to_string(a.version)
         + ",\"score\":" + number_text(a.score) + ",\"results\":";
  append_raw(out, a.has_results, a.results_json);
  out += ",\"created_at\":\"" + a.created_at + "\"}";
}

void append_deployment(std::string& out, const storage::deployment_record& d) {
  out += "{\"deployment_id\":\"" + d.deployment_id + "\",\"site_id\":\""
         + d.site_id + "\",\"version\":" + std::to_string(d.version)
         + ",\"status\":\"" + d.status + "\",\"url\":";
  append_quoted(out, d.has_url, d.url);
  out += ",\"provider\":";
  append_quoted(out, d.has_provider, d.provider);
  out += ",\"details\":";
  append_raw(out, d.has_details, d.details_json);
  out += ",\"created_at\":\"" + d.created_at + "\"}";
}

void decode_site_create(const json::value& body, storage::site_record& site,
                        storage::new_version& first) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"name", "site_type", "code", "requirements",
                              "changes"});
  site.name = required_string(obj, "name");
  if (site.name.size() > max_name_bytes)
    invalid("name must be at most 256 bytes");
  optional_string(obj, "site_type", site.has_site_type, site.site_type);
  first = read_version(obj);
}

storage::new_version decode_version_create(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"code", "requirements", "changes"});
  return read_version(obj);
}

storage::new_version decode_version_restore(const json::value& body,
                                            int64_t version) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"changes"});
  storage::new_version v;
  v.restored_from = version;
  v.has_changes = true;
  v.changes = "Restored from version " + std::to_string(version);
  std::string note;
  bool has_note = false;
  optional_string(obj, "changes", has_note, note);
  if (note.find('\0') != std::string::npos)
    invalid("changes must not contain U+0000");
  if (has_note && !note.empty())
    v.changes += ": " + note;
  return v;
}

storage::site_fork decode_site_fork(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"session_id", "up_to_version", "name"});
  storage::site_fork f;
  std::string session_id;
  bool has_session = false;
  optional_string(obj, "session_id", has_session, session_id);
  if (has_session) {
    // Ids are case-insensitive, as in paths.
    for (auto& c : session_id)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!storage::is_canonical_uuid(session_id))
      invalid("session_id must be a UUID");
    f.session_id = std::move(session_id);
  }
  if (auto* n = obj.if_contains("up_to_version"); n != nullptr && !n->is_null())
    f.up_to_version = required_version_value(*n, "up_to_version");
  optional_string(obj, "name", f.has_name, f.name);
  if (f.has_name && f.name.empty())
    invalid("name must be a non-empty string or null");
  if (f.name.size() > max_name_bytes)
    invalid("name must be at most 256 bytes");
  if (f.name.find('\0') != std::string::npos)
    invalid("name must not contain U+0000");
  return f;
}

storage::audit_record decode_audit_create(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"version", "score", "results"});
  return read_audit(obj);
}

storage::deployment_record decode_deployment_create(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"version", "status", "url", "provider", "details"});
  return read_deployment(obj);
}

storage::site_record decode_archived_site(const json::object& obj) {
  reject_unknown_fields(obj, {"site_id", "session_id", "name", "site_type",
                              "forked_from", "version_count", "created_at",
                              "updated_at", "versions", "audits",
                              "deployments"});
  storage::site_record site;
  if (auto* from = obj.if_contains("forked_from");
      from != nullptr && !from->is_null()) {
    const auto& fork = require_object(*from, "forked_from");
    reject_unknown_fields(fork, {"site_id", "version"});
    site.has_forked_from = true;
    site.forked_from_site_id = required_string(fork, "site_id");
    if (!storage::is_canonical_uuid(site.forked_from_site_id))
      invalid("forked_from.site_id must be a lower-case UUID");
    site.forked_from_version = required_version(fork);
  }
  site.name = required_string(obj, "name");
  if (site.name.size() > max_name_bytes)
    invalid("name must be at most 256 bytes");
  optional_string(obj, "site_type", site.has_site_type, site.site_type);
  site.created_at = required_timestamp(obj, "created_at");
  site.updated_at = required_timestamp(obj, "updated_at");
  return site;
}

storage::version_record decode_archived_version(const json::value& v) {
  const auto& obj = require_object(v, "a version");
  reject_unknown_fields(obj, {"site_id", "version", "changes", "requirements",
                              "audit_score", "restored_from", "code_size",
                              "code_sha256", "created_at", "code"});
  auto content = read_version(obj);
  storage::version_record r;
  r.version = required_version(obj);
  if (auto* from = obj.if_contains("restored_from");
      from != nullptr && !from->is_null()) {
    r.restored_from = required_version_value(*from, "restored_from");
    if (r.restored_from >= r.version)
      invalid("restored_from must be below the version's own number");
  }
  // A backup's own record of its code must agree with the code: anything
  // else is a damaged or edited document.
  auto* size = obj.if_contains("code_size");
  if (size == nullptr)
    invalid("code_size is required");
  if (!size->is_int64() || size->get_int64() != content.code_size)
    invalid("code_size is not the size of the code, "
            + std::to_string(content.code_size) + " bytes");
  if (required_string(obj, "code_sha256") != content.code_sha256)
    invalid("code_sha256 is not the SHA-256 of the code");
  if (auto* score = obj.if_contains("audit_score");
      score != nullptr && !score->is_null()) {
    r.has_audit_score = true;
    r.audit_score = read_score(*score, "audit_score");
  }
  r.created_at = required_timestamp(obj, "created_at");
  r.has_code = true;
  r.code = std::move(content.code);
  r.code_size = content.code_size;
  r.code_sha256 = std::move(content.code_sha256);
  r.has_requirements = content.has_requirements;
  r.requirements_json = std::move(content.requirements_json);
  r.has_changes = content.has_changes;
  r.changes = std::move(content.changes);
  return r;
}

storage::audit_record decode_archived_audit(const json::value& v) {
  const auto& obj = require_object(v, "an audit");
  reject_unknown_fields(obj, {"audit_id", "site_id", "version", "score",
                              "results", "created_at"});
  auto a = read_audit(obj);
  a.created_at = required_timestamp(obj, "created_at");
  return a;
}

storage::deployment_record decode_archived_deployment(const json::value& v) {
  const auto& obj = require_object(v, "a deployment");
  reject_unknown_fields(obj, {"deployment_id", "site_id", "version", "status",
                              "url", "provider", "details", "created_at"});
  auto d = read_deployment(obj);
  d.created_at = required_timestamp(obj, "created_at");
  return d;
}

int64_t parse_version_number(const std::string& text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()
      || n < 1)
    invalid("the version in the path must be a whole number from 1");
  return n;
}

std::string render_site_view(const storage::site_view& v) {
  std::string out = "{";
  append_site_fields(out, v.site);
  out += ",\"latest_version\":";
  append_version(out, v.latest);
  out += ",\"versions\":";
  append_array(out, v.versions, append_version);
  out += ",\"versions_truncated\":";
  out += v.versions_truncated ? "true" : "false";
  if (v.versions_truncated)
    out += ",\"versions_url\":\"/api/sessions/sites/" + v.site.site_id
           + "/versions\"";
  out += ",\"audits\":";
  append_array(out, v.audits, append_audit);
  out += ",\"audits_truncated\":";
  out += v.audits_truncated ? "true" : "false";
  out += ",\"deployments\":";
  append_array(out, v.deployments, append_deployment);
  out += ",\"deployments_truncated\":";
  out += v.deployments_truncated ? "true" : "false";
  out += '}';
  return out;
}

std::string render_site_page(const storage::site_page& page) {
  std::string out = "{\"items\":";
  append_array(out, page.items, [](std::string& o, const storage::site_record& s) {
    o += '{';
    append_site_fields(o, s);
    o += '}';
  });
  out += ",\"next_cursor\":";
  if (page.has_more && !page.items.empty())
    out += '"' + encode_cursor({page.items.back().created_at,
                                page.items.back().site_id})
           + '"';
  else
    out += "null";
  return out + "}";
}

std::string render_version(const storage::version_record& v) {
  std::string out;
  append_version(out, v);
  return out;
}

std::string render_version_page(const storage::version_page& page) {
  std::string out = "{\"items\":";
  append_array(out, page.items, append_version);
  out += ",\"next_cursor\":";
  // The cursor is the last version number shown: the next page is below it.
  if (page.has_more && !page.items.empty())
    out += "\"" + std::to_string(page.items.back().version) + "\"";
  else
    out += "null";
  return out + "}";
}

std::string render_audit(const storage::audit_record& a) {
  std::string out;
  append_audit(out, a);
  return out;
}

std::string render_deployment(const storage::deployment_record& d) {
  std::string out;
  append_deployment(out, d);
  return out;
}

} // namespace memoryd
