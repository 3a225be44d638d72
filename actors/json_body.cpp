#include "actors/json_body.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/json.hpp>

#include "actors/errors.hpp"

namespace memoryd {

boost::json::value parse_json_body(std::string_view body, std::size_t max_depth) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return boost::json::object{};
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::json::error_code ec;
  auto value = boost::json::parse(body, ec, {}, options);
  if (ec == boost::json::error::too_deep)
    throw request_error(error_type::validation,
                        "the JSON body is nested deeper than "
                          + std::to_string(max_depth) + " levels");
  if (ec)
    throw request_error(error_type::validation,
                        "the body is not valid JSON: " + ec.message());
  require_finite_numbers(value);
  return value;
}

void require_finite_numbers(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      if (!std::isfinite(v.get_double()))
        throw request_error(error_type::validation,
                            "the JSON holds a number beyond the range of a "
                            "double (about 1.8e308)");
      return;
    case boost::json::kind::array:
      for (const auto& item : v.get_array())
        require_finite_numbers(item);
      return;
    case boost::json::kind::object:
      for (const auto& field : v.get_object())
        require_finite_numbers(field.value());
      return;
    default:
      return;
  }
}

namespace {

bool holds_nul(const boost::json::value& v) {
  auto nul_in = [](boost::json::string_view s) {
    return s.find('\0') != boost::json::string_view::npos;
  };
  switch (v.kind()) {
    case boost::json::kind::string:
      return nul_in(v.get_string());
    case boost::json::kind::array:
      for (const auto& item : v.get_array())
        if (holds_nul(item))
          return true;
      return false;
    case boost::json::kind::object:
      for (const auto& field : v.get_object())
        if (nul_in(field.key()) || holds_nul(field.value()))
          return true;
      return false;
    default:
      return false;
  }
}

} // namespace

void reject_nul(const boost::json::value& v, std::string_view what) {
  if (holds_nul(v))
    throw request_error(error_type::validation,
                        std::string{what} + " must not contain U+0000");
}

boost::json::value parse_trusted_json(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 1000;  // MAX_JSON_DEPTH's upper bound
  return boost::json::parse(text, {}, options);
}

const boost::json::object& require_object(const boost::json::value& v,
                                          std::string_view what) {
  if (!v.is_object())
    throw request_error(error_type::validation,
                        std::string{what} + " must be a JSON object");
  return v.get_object();
}

void reject_unknown_fields(const boost::json::object& obj,
                           std::initializer_list<std::string_view> allowed) {
  for (const auto& field : obj) {
    if (std::find(allowed.begin(), allowed.end(), field.key()) == allowed.end())
      throw request_error(error_type::validation,
                          "unknown field '" + std::string{field.key()} + "'");
  }
}

namespace {

void append_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.get_object()) {
        if (!first)
          out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string_view{key});
        out += ':';
        append_json(out, value);
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first)
          out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      return;
    }
    case boost::json::kind::double_: {
      // Shortest text that reads back as the same double.
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v.get_double());
      std::string_view text{buffer, static_cast<std::size_t>(end - buffer)};
      out += text;
      // Keep it a JSON number that still reads back as a double, not an int.
      if (ec == std::errc{}
          && text.find_first_of(".eEn") == std::string_view::npos)
        out += ".0";
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}

} // namespace

std::string to_json_text(const boost::json::value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

std::string json_quote(std::string_view s) {
  return boost::json::serialize(boost::json::string_view{s.data(), s.size()});
}

} // namespace memoryd
