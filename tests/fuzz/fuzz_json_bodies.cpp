// Every JSON body decoder of actors/, on any bytes: each answers or throws
// request_error (the 400 envelope); any other exception would be a 500, a
// sanitizer report a crash. What a decoder keeps as JSON text (state,
// preferences, requirements, results, details) must read back as the value
// sent. The first byte picks the decoder; the rest is the body.

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/json.hpp>

#include "actors/backup_body.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/merge_patch.hpp"
#include "actors/session_codec.hpp"
#include "actors/site_codec.hpp"
#include "fuzz_support.hpp"
#include "storage/uuid.hpp"

namespace {

namespace json = boost::json;
using memoryd::fuzz::require;
using memoryd::fuzz::require_faithful;
using memoryd::fuzz::require_storable;

/// MAX_JSON_DEPTH's default.
constexpr std::size_t max_depth = 64;

enum class decoder : std::uint8_t {
  session_create,
  session_update,
  preferences_patch,
  site_create,
  version_create,
  audit_create,
  deployment_create,
  export_request,
  version_restore,
  site_fork,
  count
};

void check_session(const json::value& body) {
  auto s = memoryd::decode_session_create(body);
  const auto& obj = body.get_object();
  // Sessions are stored as decoded (sites are checked again in storage/).
  if (auto* v = obj.if_contains("state")) {
    require_faithful(*v, s.state_json);
    require_storable(s.state_json);
  }
  if (auto* v = obj.if_contains("preferences")) {
    require_faithful(*v, s.preferences_json);
    require_storable(s.preferences_json);
  }
  require(s.user_id.find('\0') == std::string::npos, "no NUL in a user_id");
  // The rendered session must be JSON too (what GET answers).
  s.session_id = "0b8f3c1e-7d2a-4e55-9a41-2f6c8d9e0a17";
  if (s.state_json.empty())
    s.state_json = "{}";
  if (s.preferences_json.empty())
    s.preferences_json = "{}";
  auto rendered = memoryd::render_session(s);
  require_faithful(memoryd::parse_trusted_json(rendered), rendered);
}

void check_session_update(const json::value& body) {
  auto u = memoryd::decode_session_update(body);
  const auto& obj = body.get_object();
  if (u.set_state) {
    require_faithful(obj.at("state"), u.state_json);
    require_storable(u.state_json);
  }
  if (u.set_preferences) {
    require_faithful(obj.at("preferences"), u.preferences_json);
    require_storable(u.preferences_json);
  }
  require(u.user_id.find('\0') == std::string::npos, "no NUL in a user_id");
}

/// PUT .../preferences: validated, stored as text, then merged (by the
/// preference actor) into what is stored, and the merge stored again.
void check_preferences_patch(const json::value& body) {
  memoryd::validate_preferences(
    memoryd::require_object(body, "the preferences patch"), true);
  auto patch_text = memoryd::to_json_text(body);
  require_faithful(body, patch_text);
  auto patch = memoryd::parse_trusted_json(patch_text);
  auto stored = memoryd::parse_trusted_json(
    R"({"default_color_scheme":"dark","favorite_features":["blog"],)"
    R"("nested":{"a":{"b":[1,2.5,null]}}})");
  memoryd::apply_merge_patch(stored, patch);
  require(stored.is_object(), "a merged object patch is an object");
  auto merged_text = memoryd::to_json_text(stored);
  require_faithful(stored, merged_text);
  require_storable(merged_text);
  // RFC 7396: applying the same patch again changes nothing.
  auto again = stored;
  memoryd::apply_merge_patch(again, patch);
  require(again == stored, "a merge patch is idempotent");
}

void check_site_create(const json::value& body) {
  memoryd::storage::site_record site;
  memoryd::storage::new_version first;
  memoryd::decode_site_create(body, site, first);
  const auto& obj = body.get_object();
  if (first.has_requirements)
    require_faithful(obj.at("requirements"), first.requirements_json);
  require(first.code_size == static_cast<int64_t>(first.code.size()),
          "code_size is the code's size");
}

void check_version_create(const json::value& body) {
  auto v = memoryd::decode_version_create(body);
  if (v.has_requirements)
    require_faithful(body.get_object().at("requirements"),
                     v.requirements_json);
  require(v.code.find('\0') == std::string::npos, "no NUL in stored code");
}

void check_audit(const json::value& body) {
  auto a = memoryd::decode_audit_create(body);
  require(a.score >= 0 && a.score <= 100, "a score is within 0..100");
  require(a.version >= 1, "a version is 1 or more");
  if (a.has_results)
    require_faithful(body.get_object().at("results"), a.results_json);
  auto rendered = memoryd::render_audit(a);
  require_faithful(memoryd::parse_trusted_json(rendered), rendered);
}

void check_deployment(const json::value& body) {
  auto d = memoryd::decode_deployment_create(body);
  require(d.version >= 1, "a version is 1 or more");
  if (d.has_details)
    require_faithful(body.get_object().at("details"), d.details_json);
  auto rendered = memoryd::render_deployment(d);
  require_faithful(memoryd::parse_trusted_json(rendered), rendered);
}

/// POST /api/sessions/export.
void check_export_request(const json::value& body) {
  auto wanted = memoryd::decode_export_request(body);
  require(memoryd::storage::is_canonical_uuid(wanted.session_id),
          "an accepted session_id is a lower-case UUID");
}

/// POST …/versions/{n}/restore: the draft names n and says so.
void check_version_restore(const json::value& body) {
  auto v = memoryd::decode_version_restore(body, 7);
  require(v.restored_from == 7, "a restore names its version");
  require(v.changes.rfind("Restored from version 7", 0) == 0,
          "a restore's changes say so");
  require(v.changes.find('\0') == std::string::npos, "no NUL in changes");
}

/// POST …/fork.
void check_site_fork(const json::value& body) {
  auto f = memoryd::decode_site_fork(body);
  require(f.session_id.empty()
            || memoryd::storage::is_canonical_uuid(f.session_id),
          "an accepted session_id is a lower-case UUID");
  require(f.up_to_version >= 0, "up_to_version is 0 (latest) or a version");
  require(!f.has_name || !f.name.empty(), "a given name is not empty");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto which = static_cast<decoder>(
    data[0] % static_cast<std::uint8_t>(decoder::count));
  auto body = memoryd::fuzz::as_text(data + 1, size - 1);
  try {
    auto value = memoryd::parse_json_body(body, max_depth);
    switch (which) {
      case decoder::session_create: check_session(value); break;
      case decoder::session_update: check_session_update(value); break;
      case decoder::preferences_patch: check_preferences_patch(value); break;
      case decoder::site_create: check_site_create(value); break;
      case decoder::version_create: check_version_create(value); break;
      case decoder::audit_create: check_audit(value); break;
      case decoder::deployment_create: check_deployment(value); break;
      case decoder::export_request: check_export_request(value); break;
      case decoder::version_restore: check_version_restore(value); break;
      case decoder::site_fork: check_site_fork(value); break;
      case decoder::count: break;
    }
  } catch (const memoryd::request_error& e) {
    require(e.type == memoryd::error_type::validation,
            "a body decoder fails only with a validation error");
  }
  // The header and query parsers of the same handlers, on the raw text.
  std::string text{body.substr(0, 300)};
  for (auto parse : {+[](const std::string& t) { memoryd::parse_limit(&t); },
                     +[](const std::string& t) { memoryd::parse_if_match(t); },
                     +[](const std::string& t) {
                       memoryd::parse_version_number(t);
                     }}) {
    try {
      parse(text);
    } catch (const memoryd::request_error&) {
      // a 400: fine
    }
  }
  return 0;
}
