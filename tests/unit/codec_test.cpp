// Pure functions of the session API: merge patch (RFC 7396's own examples),
// preference types, cursors, If-Match and limits.

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "actors/cursor.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/merge_patch.hpp"
#include "actors/session_codec.hpp"

namespace json = boost::json;
using namespace memoryd;

namespace {

bool is_validation_error(const request_error& e) {
  return e.type == error_type::validation;
}

} // namespace

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(merge_patch_rfc7396_examples) {
  // RFC 7396, Appendix A: {target, patch, result}.
  const char* cases[][3] = {
    {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
    {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
    {R"({"a":"b"})", R"({"a":null})", R"({})"},
    {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
    {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
    {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
    {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
    {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
    {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
    {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
    {R"({"a":"foo"})", "null", "null"},
    {R"({"a":"foo"})", R"("bar")", R"("bar")"},
    {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
    {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
    {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& c : cases) {
    auto target = json::parse(c[0]);
    apply_merge_patch(target, json::parse(c[1]));
    BOOST_TEST(target == json::parse(c[2]), c[0] << " + " << c[1]);
  }
}

BOOST_AUTO_TEST_CASE(preference_types) {
  auto ok = json::parse(R"({"default_color_scheme":"dark","default_site_type":"blog",
    "design_style":"flat","favorite_features":["a","b"],"anything":{"x":[1]}})");
  BOOST_CHECK_NO_THROW(validate_preferences(ok.as_object(), false));
  for (auto bad : {R"({"default_color_scheme":1})", R"({"design_style":["x"]})",
                   R"({"favorite_features":"a"})", R"({"favorite_features":[1]})",
                   R"({"default_site_type":null})"})
    BOOST_CHECK_EXCEPTION(validate_preferences(json::parse(bad).as_object(), false),
                          request_error, is_validation_error);
  // In a merge patch, null removes a key and is fine.
  BOOST_CHECK_NO_THROW(validate_preferences(
    json::parse(R"({"default_site_type":null})").as_object(), true));
}

BOOST_AUTO_TEST_CASE(cursor_round_trip_and_rejection) {
  cursor_position pos{"2026-11-24T02:00:00.123456Z", "6f1c7a52-3a4e-4a8e-9d7e-2b1f0c9e8d7a"};
  auto text = encode_cursor(pos);
  BOOST_TEST(text.find_first_of("+/=&?") == std::string::npos);
  auto back = decode_cursor(text);
  BOOST_TEST(back.created_at == pos.created_at);
  BOOST_TEST(back.id == pos.id);
  for (auto bad : {"", "!!!", "abc", "Zm9v", std::string(300, 'A').c_str()})
    BOOST_CHECK_EXCEPTION(decode_cursor(bad), request_error, is_validation_error);
  auto no_id = encode_cursor({"2026-11-24T02:00:00.123456Z", "nope"});
  BOOST_CHECK_EXCEPTION(decode_cursor(no_id), request_error, is_validation_error);
}

BOOST_AUTO_TEST_CASE(if_match_forms) {
  BOOST_TEST(parse_if_match("\"7\"") == 7);
  BOOST_TEST(parse_if_match("7") == 7);
  BOOST_TEST(parse_if_match("*") == -1);
  for (auto bad : {"", "\"\"", "\"x\"", "0", "\"-1\"", "7 8", "W/\"7\""})
    BOOST_CHECK_EXCEPTION(parse_if_match(bad), request_error, is_validation_error);
}

BOOST_AUTO_TEST_CASE(limits) {
  BOOST_TEST(parse_limit(nullptr) == 20u);
  std::string v = "100";
  BOOST_TEST(parse_limit(&v) == 100u);
  for (std::string bad : {"0", "101", "", "1.5", "ten", "-3"})
    BOOST_CHECK_EXCEPTION(parse_limit(&bad), request_error, is_validation_error);
}

BOOST_AUTO_TEST_CASE(session_rendering_is_valid_json) {
  storage::session_record s;
  s.session_id = "6f1c7a52-3a4e-4a8e-9d7e-2b1f0c9e8d7a";
  s.has_user_id = true;
  s.user_id = "quote\" backslash\\ newline\n ünï";
  s.state_json = R"({"a":[1,2]})";
  s.preferences_json = R"({"design_style":"flat"})";
  s.revision = 4;
  s.created_at = s.updated_at = "2026-11-24T02:00:00.000000Z";
  auto v = json::parse(render_session(s));
  BOOST_TEST(v.at("user_id").as_string() == s.user_id);
  BOOST_TEST(v.at("state") == json::parse(s.state_json));
  BOOST_TEST(v.at("revision").as_int64() == 4);
  s.has_user_id = false;
  BOOST_TEST(json::parse(render_session(s)).at("user_id").is_null());
}

BOOST_AUTO_TEST_CASE(numbers_keep_their_usual_form) {
  auto v = json::parse(R"({"a":0.1,"b":[1,-2,2.5,1e300,3.0],"c":"x\n","d":null,"e":true})");
  BOOST_TEST(to_json_text(v)
             == R"({"a":0.1,"b":[1,-2,2.5,1e+300,3.0],"c":"x\n","d":null,"e":true})");
  BOOST_TEST(json::parse(to_json_text(v)) == v);
}

BOOST_AUTO_TEST_CASE(json_depth_limit) {
  std::string deep(10, '[');
  deep += std::string(10, ']');
  BOOST_CHECK_NO_THROW(parse_json_body(deep, 10));
  BOOST_CHECK_EXCEPTION(parse_json_body(deep, 9), request_error, is_validation_error);
  BOOST_TEST(parse_json_body("  ", 4) == json::object{});
}

BOOST_AUTO_TEST_SUITE_END()
