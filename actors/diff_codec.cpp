#include "actors/diff_codec.hpp"

#include <stdexcept>

#include <boost/json.hpp>

#include "actors/conditional_get.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "codec/sha256.hpp"
#include "diff/json_patch.hpp"
#include "diff/unified.hpp"

namespace memoryd {

namespace json = boost::json;

namespace {

/// Fields that are not metadata: they identify the versions or have a
/// diff of their own.
bool is_metadata(std::string_view key) {
  return key != "site_id" && key != "version" && key != "code"
         && key != "requirements";
}

json::object parse_version(const std::string& text) {
  auto v = parse_trusted_json(text);
  if (!v.is_object() || !v.as_object().contains("code")
      || !v.as_object().contains("version"))
    throw std::logic_error("diff: not a version with its code");
  return std::move(v.as_object());
}

std::string_view field_text(const json::object& version, std::string_view key) {
  const auto* v = version.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view{v->get_string()}
                                        : std::string_view{};
}

int64_t number_of(const json::object& version) {
  return version.at("version").to_number<int64_t>();
}

/// A version as rendered, but for its code, which its code_sha256 stands
/// for: hashing it costs nothing like hashing megabytes of code.
std::string without_code(const json::object& version) {
  json::object rest;
  for (const auto& field : version)
    if (field.key() != "code")
      rest.emplace(field.key(), field.value());
  return json::serialize(rest);
}

/// Strong, as the answer is a function of what goes in here: the format,
/// the context, the labels, and the code (by its digest), for JSON also
/// the rest of the two versions (an audit changes audit_score).
std::string etag_of(const diff_job& job, const json::object& from,
                    const json::object& to) {
  std::string input = "memoryd-diff-1";
  auto add = [&](std::string_view part) {
    input += '\n' + std::to_string(part.size()) + ':';
    input += part;
  };
  add(job.patch_only ? "patch" : "json");
  add(std::to_string(job.context));
  add(job.site_id);
  add(std::to_string(number_of(from)));
  add(std::to_string(number_of(to)));
  add(field_text(from, "code_sha256"));
  add(field_text(to, "code_sha256"));
  if (!job.patch_only) {
    add(without_code(from));
    add(without_code(to));
  }
  return "\"" + codec::sha256_hex(input).substr(0, 40) + "\"";
}

[[noreturn]] void refuse(diff::outcome why, const diff::limits& bounds) {
  std::string message;
  switch (why) {
    case diff::outcome::too_many_lines:
      message = "a version has more than " + std::to_string(bounds.max_lines)
                + " lines, the most a diff compares";
      break;
    case diff::outcome::too_many_edits:
      message = "the versions differ in more than "
                + std::to_string(bounds.max_edits)
                + " lines (removed plus added), the most a diff shows";
      break;
    default:
      message = "the diff needs more than " + std::to_string(bounds.max_steps)
                + " comparison steps, the most a diff may take";
  }
  throw request_error(error_type::payload_too_large,
                      message + ": compare closer versions");
}

/// {"<key>": {"from", "to"}} for each metadata field that differs.
json::object changed_metadata(const json::object& from,
                              const json::object& to) {
  json::object out;
  auto add = [&](std::string_view key) {
    const auto* a = from.if_contains(key);
    const auto* b = to.if_contains(key);
    json::value old_value = a != nullptr ? *a : json::value{};
    json::value new_value = b != nullptr ? *b : json::value{};
    if (is_metadata(key) && old_value != new_value)
      out[key] = json::object{{"from", std::move(old_value)},
                              {"to", std::move(new_value)}};
  };
  for (const auto& field : to)
    add(field.key());
  for (const auto& field : from)
    if (!to.contains(field.key()))
      add(field.key());
  return out;
}

std::string render(const diff_job& job, const json::object& from,
                   const json::object& to, const diff::limits& bounds) {
  const auto m = number_of(from);
  const auto n = number_of(to);
  const auto old_lines = diff::split_lines(field_text(from, "code"));
  const auto new_lines = diff::split_lines(field_text(to, "code"));
  const auto lines = diff::diff_lines(old_lines, new_lines, bounds);
  if (lines.result != diff::outcome::done)
    refuse(lines.result, bounds);
  auto unified = diff::format_unified(
    old_lines, new_lines, lines.changes, static_cast<std::size_t>(job.context),
    diff_label('a', job.site_id, m), diff_label('b', job.site_id, n));
  if (job.patch_only)
    return std::move(unified.text);
  json::value doc = json::object{};
  auto& out = doc.get_object();
  out["site_id"] = job.site_id;
  out["from_version"] = m;
  out["to_version"] = n;
  out["context"] = job.context;
  out["code"] = json::object{
    {"unified_diff", std::move(unified.text)},
    {"lines_added", lines.added},
    {"lines_removed", lines.removed},
    {"hunks", unified.hunks},
  };
  const json::value none;
  const auto* old_requirements = from.if_contains("requirements");
  const auto* new_requirements = to.if_contains("requirements");
  out["requirements_patch"] = diff::json_patch(
    old_requirements != nullptr ? *old_requirements : none,
    new_requirements != nullptr ? *new_requirements : none);
  out["metadata"] = changed_metadata(from, to);
  return to_json_text(doc);
}

} // namespace

std::string diff_label(char side, const std::string& site_id,
                       int64_t version) {
  return std::string{side} + "/site/" + site_id + "/v"
         + std::to_string(version);
}

diff_answer answer_diff(const diff_job& job, const diff::limits& bounds) {
  const auto from = parse_version(job.old_version);
  const auto to = parse_version(job.new_version);
  diff_answer out;
  out.etag = etag_of(job, from, to);
  if (!job.if_none_match.empty()
      && none_match_names(job.if_none_match, out.etag)) {
    out.not_modified = true;
    return out;
  }
  out.body = render(job, from, to, bounds);
  return out;
}

} // namespace memoryd
