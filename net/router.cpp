#include "net/router.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <optional>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace memoryd::net {

namespace {

// -- the route table ---------------------------------------------------------

/// One method on one path pattern. A pattern segment `{name}` is a path
/// parameter: `{version}` a whole number (checked by the handler, which
/// says what is wrong with it), every other one a UUID (normalized to lower
/// case). Adding a route is adding a line here.
struct route_spec {
  std::string_view method;
  std::string_view pattern;
  route target;
};

// Rows of one pattern are kept together, in the order their methods should
// appear in a 405's Allow header.
constexpr auto route_table = std::to_array<route_spec>({
  {"GET", "/healthz", route::healthz},
  {"GET", "/readyz", route::readyz},
  {"POST", "/api/sessions", route::sessions_create},
  {"GET", "/api/sessions", route::sessions_list},
  {"GET", "/api/sessions/{session_id}", route::session_get},
  {"PUT", "/api/sessions/{session_id}", route::session_put},
  {"DELETE", "/api/sessions/{session_id}", route::session_delete},
  {"PUT", "/api/sessions/{session_id}/preferences", route::preferences_put},
  {"POST", "/api/sessions/{session_id}/sites", route::sites_create},
  {"GET", "/api/sessions/{session_id}/sites", route::sites_list},
  {"GET", "/api/sessions/sites/{site_id}", route::site_get},
  {"POST", "/api/sessions/sites/{site_id}/versions", route::versions_create},
  {"GET", "/api/sessions/sites/{site_id}/versions", route::versions_list},
  {"GET", "/api/sessions/sites/{site_id}/versions/{version}", route::version_get},
  {"GET", "/api/sessions/sites/{site_id}/versions/{version}/diff",
   route::version_diff},
  {"POST", "/api/sessions/sites/{site_id}/audits", route::audits_create},
  {"POST", "/api/sessions/sites/{site_id}/deployments",
   route::deployments_create},
  {"POST", "/api/sessions/sites/{site_id}/versions/{version}/restore",
   route::version_restore},
  {"POST", "/api/sessions/sites/{site_id}/fork", route::site_fork},
  {"POST", "/api/sessions/export", route::sessions_export},
  {"POST", "/api/sessions/import", route::sessions_import},
  {"GET", "/api/events", route::events_list},
  {"POST", "/admin/cleanup", route::admin_cleanup},
  {"GET", "/admin/stats", route::admin_stats},
  {"GET", "/metrics", route::metrics},
});

// -- path patterns -----------------------------------------------------------

constexpr std::size_t max_segments = 8;

constexpr std::size_t segment_count(std::string_view pattern) {
  return static_cast<std::size_t>(
    std::count(pattern.begin(), pattern.end(), '/'));
}

static_assert(std::all_of(route_table.begin(), route_table.end(),
                          [](const route_spec& spec) {
                            return spec.pattern.starts_with('/')
                                   && segment_count(spec.pattern)
                                        <= max_segments;
                          }),
              "every pattern is absolute and at most max_segments long");

/// A pattern split at '/', without the leading empty segment.
struct segment_list {
  std::array<std::string_view, max_segments> items{};
  std::size_t size = 0;
};

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string_view param_name(std::string_view segment) {
  return segment.substr(1, segment.size() - 2);
}

segment_list split_pattern(std::string_view pattern) {
  segment_list out;
  pattern.remove_prefix(1); // every pattern starts with '/'
  while (!pattern.empty()) {
    auto slash = pattern.find('/');
    out.items[out.size++] = pattern.substr(0, slash);
    pattern.remove_prefix(slash == pattern.npos ? pattern.size() : slash + 1);
  }
  return out;
}

/// Whether the decoded request path has the pattern's shape: as many
/// segments, equal literals, and a non-empty segment for each parameter.
bool fits(const segment_list& pattern, const std::vector<std::string>& path) {
  if (pattern.size != path.size())
    return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto& want = pattern.items[i];
    if (is_param(want) ? path[i].empty() : path[i] != want)
      return false;
  }
  return true;
}

/// Orders two fitting patterns by specificity: at the first segment where
/// they differ in kind, the literal wins. So a later `/api/sessions/sites/x`
/// beats `/api/sessions/{session_id}/x` and "sites" is never taken for an ID.
bool more_specific(const segment_list& a, const segment_list& b) {
  for (std::size_t i = 0; i < a.size; ++i)
    if (is_param(a.items[i]) != is_param(b.items[i]))
      return !is_param(a.items[i]);
  return false;
}

/// The pattern that best fits `path`, or nullopt when none does (404).
std::optional<std::string_view>
best_pattern(const std::vector<std::string>& path) {
  std::optional<std::string_view> best;
  segment_list best_segments;
  for (const auto& spec : route_table) {
    if (best == spec.pattern)
      continue;
    auto segments = split_pattern(spec.pattern);
    if (fits(segments, path)
        && (!best || more_specific(segments, best_segments))) {
      best = spec.pattern;
      best_segments = segments;
    }
  }
  return best;
}

// -- helpers -----------------------------------------------------------------

route_error validation_error(std::string message) {
  return {400, error_type::validation, std::move(message), {}};
}

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

std::string allowed_methods(std::string_view pattern) {
  std::string allow;
  for (const auto& spec : route_table) {
    if (spec.pattern != pattern)
      continue;
    if (!allow.empty())
      allow += ", ";
    allow += spec.method;
  }
  return allow;
}

/// The decoded path segments, or nullopt for a path longer than any
/// pattern. A single trailing slash is ignored, so `/api/sessions/` is
/// `/api/sessions`; any other empty segment stays and makes the path unknown.
std::optional<std::vector<std::string>>
path_segments(const boost::urls::url_view& url) {
  auto segments = url.segments();
  if (segments.size() > max_segments + 1)
    return std::nullopt;
  std::vector<std::string> out{segments.begin(), segments.end()};
  if (!out.empty() && out.back().empty())
    out.pop_back();
  if (out.size() > max_segments)
    return std::nullopt;
  return out;
}

} // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36)
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? s[i] != '-'
                      : !std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

std::variant<route_match, route_error> match_route(std::string_view method,
                                                   std::string_view target) {
  // Origin form only ("/path?query"); parsing also rejects bad
  // percent-encoding anywhere in the target.
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed)
    return validation_error("malformed request target");
  const auto& url = *parsed;

  auto path = path_segments(url);
  auto pattern = path ? best_pattern(*path) : std::nullopt;
  if (!pattern)
    return route_error{404, error_type::not_found, "no such resource", {}};

  auto spec = std::find_if(route_table.begin(), route_table.end(),
                           [&](const route_spec& s) {
                             return s.pattern == *pattern && s.method == method;
                           });
  if (spec == route_table.end()) {
    auto allow = allowed_methods(*pattern);
    return route_error{405, error_type::validation,
                       "method " + std::string{method}
                         + " is not allowed here (allowed: " + allow + ")",
                       allow};
  }

  route_match match{spec->target, {}, {}};
  auto segments = split_pattern(spec->pattern);
  for (std::size_t i = 0; i < segments.size; ++i) {
    if (!is_param(segments.items[i]))
      continue;
    auto& value = (*path)[i];
    if (param_name(segments.items[i]) == "version") {
      match.path_params.push_back(std::move(value));
      continue;
    }
    if (!is_uuid(value))
      return validation_error(std::string{param_name(segments.items[i])}
                              + " must be a UUID");
    match.path_params.push_back(to_lower(std::move(value)));
  }
  // params() decodes percent-escapes and, form-style, '+' to a space.
  for (auto param : url.params())
    match.query.emplace_back(std::move(param.key), std::move(param.value));
  return match;
}

std::vector<telemetry::route_label> route_labels() {
  std::vector<telemetry::route_label> out(route_count);
  for (const auto& spec : route_table)
    out[static_cast<std::size_t>(spec.target)]
      = {std::string{spec.method}, std::string{spec.pattern}};
  return out;
}

} // namespace memoryd::net
