#include "actors/json_body.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "actors/errors.hpp"

namespace memoryd {

namespace {

namespace json = boost::json;

/// What boost::json::parser's handler does (detail/handler.hpp), but for
/// doubles, which it reads again from their text.
class exact_handler {
public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  explicit exact_handler(json::storage_ptr sp) : st(std::move(sp)) {
    // nop
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    append_number(s);
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    append_number(s);
    double exact = 0;
    auto [end, ec] = std::from_chars(number_.data(),
                                     number_.data() + number_.size(), exact);
    // Out of range: Boost's infinity (refused later) or zero, as it was;
    // longer than any double needs: Boost's reading.
    if (ec == std::errc{} && end == number_.data() + number_.size()
        && number_.size() <= max_number_size)
      d = exact;
    number_.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

  json::value_stack st;

private:
  /// Longer than any number a double needs: DBL_MAX written out has 309
  /// digits, the smallest denormal 1074 decimals (PostgreSQL shows them
  /// so). Past it the text is not kept: a long number costs no memory.
  static constexpr std::size_t max_number_size = 2048;

  void append_number(json::string_view s) {
    if (number_.size() <= max_number_size)
      number_.append(s.data(), std::min(s.size(), max_number_size + 1));
  }

  std::string number_;  // the text of the number being read
};

json::parse_options options_for(std::size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  return options;
}

} // namespace

struct json_reader::impl {
  impl(std::size_t max_depth, json::storage_ptr sp)
    : parser(options_for(max_depth), sp) {
    parser.handler().st.reset(std::move(sp));
  }

  json::basic_parser<exact_handler> parser;
};

json_reader::json_reader(std::size_t max_depth, json::storage_ptr sp)
  : impl_(std::make_unique<impl>(max_depth, std::move(sp))) {
  // nop
}

json_reader::~json_reader() = default;

void json_reader::write(std::string_view piece, json::error_code& ec) {
  auto n = impl_->parser.write_some(true, piece.data(), piece.size(), ec);
  if (!ec && n < piece.size())
    ec = json::error::extra_data;
}

void json_reader::finish(json::error_code& ec) {
  impl_->parser.write_some(false, nullptr, 0, ec);
}

json::value json_reader::release() {
  return impl_->parser.handler().st.release();
}

boost::json::value parse_json_body(std::string_view body, std::size_t max_depth) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return boost::json::object{};
  boost::json::error_code ec;
  json_reader reader{max_depth};
  reader.write(body, ec);
  if (!ec)
    reader.finish(ec);
  boost::json::value value;
  if (!ec)
    value = reader.release();
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
  json_reader reader{1000};  // MAX_JSON_DEPTH's upper bound
  boost::json::error_code ec;
  reader.write(text, ec);
  if (!ec)
    reader.finish(ec);
  if (ec)
    throw boost::system::system_error(ec, "stored JSON");
  return reader.release();
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

std::string agent_json(const std::string& agent) {
  return agent.empty() ? "null" : json_quote(agent);
}

std::string optional_agent(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  if (v == nullptr || v->is_null())
    return {};
  auto ok = v->is_string() && !v->get_string().empty()
            && v->get_string().size() <= 128
            && std::all_of(v->get_string().begin(), v->get_string().end(),
                           [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  if (!ok)
    throw request_error(error_type::validation,
                        std::string{key}
                          + " must be null or 1 to 128 visible ASCII "
                            "characters");
  return std::string{v->get_string()};
}

} // namespace memoryd
