#include "actors/conditional_get.hpp"

#include <string_view>

namespace memoryd {

namespace {

bool is_read(route r) {
  return r == route::session_get || r == route::site_get;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// Weak comparison: W/"3" matches "3".
std::string_view opaque(std::string_view tag) {
  if (tag.starts_with("W/"))
    tag.remove_prefix(2);
  return tag;
}

} // namespace

bool none_match_names(std::string_view if_none_match, std::string_view tag) {
  if (trimmed(if_none_match) == "*")
    return true;
  while (!if_none_match.empty()) {
    auto comma = if_none_match.find(',');
    auto item = trimmed(if_none_match.substr(0, comma));
    if (!item.empty() && opaque(item) == opaque(tag))
      return true;
    if (comma == std::string_view::npos)
      break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

namespace {

const std::string* header_of(const api_response& res, std::string_view name) {
  for (const auto& [key, value] : res.headers)
    if (key == name)
      return &value;
  return nullptr;
}

} // namespace

std::string etag(int64_t revision) {
  return "\"" + std::to_string(revision) + "\"";
}

api_response conditional(const api_request& request, api_response response) {
  if (!is_read(request.target) || response.status != 200)
    return response;
  const auto* wanted = request.header("if-none-match");
  const auto* tag = header_of(response, "ETag");
  if (wanted == nullptr || tag == nullptr || !none_match_names(*wanted, *tag))
    return response;
  api_response not_modified{304, {{"ETag", *tag}}, {}};
  for (const auto& header : response.headers)
    if (header.first == "X-Cache")
      not_modified.headers.push_back(header);
  return not_modified;
}

} // namespace memoryd
