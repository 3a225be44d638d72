#include "actors/site_codec.hpp"

#include <charconv>
#include <cstdio>

#include <boost/json.hpp>
#include <openssl/sha.h>

#include "actors/cursor.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"

namespace memoryd {

namespace {

namespace json = boost::json;

constexpr std::size_t max_name_bytes = 256;

[[noreturn]] void invalid(const std::string& message) {
  throw request_error(error_type::validation, message);
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string hex(2 * SHA256_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i)
    std::snprintf(&hex[2 * i], 3, "%02x", digest[i]);
  return hex;
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

int64_t required_version(const json::object& obj) {
  auto* v = obj.if_contains("version");
  if (v == nullptr)
    invalid("version is required");
  if (!v->is_int64() && !v->is_uint64())
    invalid("version must be a whole number");
  auto n = v->is_int64() ? v->get_int64() : static_cast<int64_t>(v->get_uint64());
  if (n < 1)
    invalid("version must be 1 or more");
  return n;
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
  v.code_sha256 = sha256_hex(v.code);
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

void append_quoted(std::string& out, bool has, const std::string& s) {
  out += has ? json_quote(s) : "null";
}

void append_raw(std::string& out, bool has, const std::string& json_text) {
  out += has ? json_text : "null";
}

std::string number_text(double d) {
  return to_json_text(json::value(d));
}

void append_version(std::string& out, const storage::version_record& v) {
  out += "{\"site_id\":\"" + v.site_id + "\",\"version\":"
         + std::to_string(v.version) + ",\"changes\":";
  append_quoted(out, v.has_changes, v.changes);
  out += ",\"requirements\":";
  append_raw(out, v.has_requirements, v.requirements_json);
  out += ",\"audit_score\":";
  out += v.has_audit_score ? number_text(v.audit_score) : "null";
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
  out += ",\"version_count\":" + std::to_string(s.latest_version)
         + ",\"created_at\":\"" + s.created_at + "\",\"updated_at\":\""
         + s.updated_at + "\"";
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

} // namespace

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

storage::audit_record decode_audit_create(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"version", "score", "results"});
  storage::audit_record a;
  a.version = required_version(obj);
  auto* score = obj.if_contains("score");
  if (score == nullptr)
    invalid("score is required");
  if (!score->is_number())
    invalid("score must be a number from 0 to 100");
  a.score = score->to_number<double>();
  if (!(a.score >= 0 && a.score <= 100))
    invalid("score must be a number from 0 to 100");
  optional_object(obj, "results", a.has_results, a.results_json);
  return a;
}

storage::deployment_record decode_deployment_create(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"version", "status", "url", "provider", "details"});
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
