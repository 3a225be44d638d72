#include "net/http_message.hpp"

#include <boost/test/unit_test.hpp>

#include "net/request_id.hpp"

namespace memoryd::net {

namespace http = boost::beast::http;

BOOST_AUTO_TEST_SUITE(request_ids)

BOOST_AUTO_TEST_CASE(client_ids_are_checked) {
  BOOST_TEST(is_valid_request_id("a"));
  BOOST_TEST(is_valid_request_id("req-42/x:y!~"));
  BOOST_TEST(is_valid_request_id(std::string(max_request_id_size, 'x')));
  BOOST_TEST(!is_valid_request_id(""));
  BOOST_TEST(!is_valid_request_id(std::string(max_request_id_size + 1, 'x')));
  BOOST_TEST(!is_valid_request_id("two words"));
  BOOST_TEST(!is_valid_request_id("tab\there"));
  BOOST_TEST(!is_valid_request_id("del\x7f"));
  BOOST_TEST(!is_valid_request_id("caf\xc3\xa9"));
}

BOOST_AUTO_TEST_CASE(new_ids_are_lower_case_uuids) {
  auto a = new_request_id();
  auto b = new_request_id();
  BOOST_TEST(is_uuid(a));
  BOOST_TEST(a != b);
  BOOST_TEST(a.find_first_of("ABCDEF") == std::string::npos);
  BOOST_TEST(a[14] == '4'); // version 4
}

BOOST_AUTO_TEST_CASE(choose_echoes_valid_ids_only) {
  BOOST_TEST(choose_request_id("abc") == "abc");
  BOOST_TEST(is_uuid(choose_request_id("")));
  BOOST_TEST(is_uuid(choose_request_id("bad id")));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_messages)

BOOST_AUTO_TEST_CASE(request_id_of_headers) {
  http::fields fields;
  BOOST_TEST(is_uuid(request_id_of(fields)));
  fields.set("x-request-id", "client-1");
  BOOST_TEST(request_id_of(fields) == "client-1");
}

BOOST_AUTO_TEST_CASE(api_request_gets_forwarded_headers_lower_case) {
  http_request req{http::verb::put, "/x", 11};
  req.set("If-Match", "\"3\"");
  req.set("Idempotency-Key", "k1");
  req.set("AUTHORIZATION", "Bearer t");
  req.set("Content-Type", "application/json");
  req.set("If-None-Match", "*");
  req.set("Cookie", "not=forwarded");
  req.body() = R"({"a":1})";
  route_match match{route::session_put, {"id"}, {{"k", "v"}}};
  auto api = make_api_request(req, match, "rid");
  BOOST_TEST(to_string(api.target) == "session_put");
  BOOST_TEST(api.request_id == "rid");
  BOOST_TEST(api.path_params == std::vector<std::string>{"id"});
  BOOST_TEST(*api.query_param("k") == "v");
  BOOST_TEST(api.body == R"({"a":1})");
  BOOST_TEST(*api.header("if-match") == "\"3\"");
  BOOST_TEST(*api.header("idempotency-key") == "k1");
  // The token stays in net/ (access.hpp): it never travels in a message.
  BOOST_TEST(api.header("authorization") == nullptr);
  BOOST_TEST(*api.header("content-type") == "application/json");
  BOOST_TEST(*api.header("if-none-match") == "*");
  BOOST_TEST(api.header("cookie") == nullptr);
  BOOST_TEST(api.headers.size() == 4u);
}

BOOST_AUTO_TEST_CASE(response_carries_the_server_headers) {
  api_response res;
  res.status = 201;
  res.body = R"({"ok":true})";
  res.headers = {{"ETag", "\"1\""},
                 {"Location", "/api/sessions/x"},
                 {"Content-Length", "999"},
                 {"Connection", "upgrade"},
                 {"X-Request-Id", "forged"}};
  auto out = make_http_response(res, "rid", 11, true);
  BOOST_TEST(out.result_int() == 201u);
  BOOST_TEST(out[http::field::content_type] == "application/json");
  BOOST_TEST(out[http::field::content_length] == "11");
  BOOST_TEST(out[http::field::etag] == "\"1\"");
  BOOST_TEST(out[http::field::location] == "/api/sessions/x");
  BOOST_TEST(out[http::field::server] == "memoryd");
  BOOST_TEST(out["X-Request-Id"] == "rid");
  BOOST_TEST(out.count("X-Request-Id") == 1u);
  BOOST_TEST(out.count(http::field::connection) == 0u);
  BOOST_TEST(out.keep_alive());
  BOOST_TEST(out.body() == res.body);
}

BOOST_AUTO_TEST_CASE(date_is_an_imf_fixdate) {
  auto out = make_http_response(api_response{}, "rid", 11, true);
  std::string date{out[http::field::date]};
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  BOOST_TEST(date.size() == 29u);
  BOOST_TEST(date.substr(3, 2) == ", ");
  BOOST_TEST(date.substr(25) == " GMT");
}

BOOST_AUTO_TEST_CASE(invalid_status_becomes_500) {
  for (unsigned status : {0u, 101u, 199u, 600u, 1000u}) {
    BOOST_TEST_CONTEXT(status) {
      api_response res;
      res.status = status;
      auto out = make_http_response(res, "rid", 11, true);
      BOOST_TEST(out.result_int() == 500u);
      BOOST_TEST(out.body().find("\"internal\"") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(keep_alive_follows_the_version) {
  api_response res;
  auto closing = make_http_response(res, "rid", 11, false);
  BOOST_TEST(closing[http::field::connection] == "close");
  BOOST_TEST(!closing.keep_alive());
  auto old_keep = make_http_response(res, "rid", 10, true);
  BOOST_TEST(old_keep.version() == 10u);
  BOOST_TEST(old_keep[http::field::connection] == "keep-alive");
  auto old_close = make_http_response(res, "rid", 10, false);
  BOOST_TEST(!old_close.keep_alive());
}

BOOST_AUTO_TEST_CASE(no_content_has_no_body_headers) {
  api_response res;
  res.status = 204;
  auto out = make_http_response(res, "rid", 11, true);
  BOOST_TEST(out.result_int() == 204u);
  BOOST_TEST(out.count(http::field::content_length) == 0u);
  BOOST_TEST(out.count(http::field::content_type) == 0u);
  BOOST_TEST(out.body().empty());
}

BOOST_AUTO_TEST_CASE(error_envelope) {
  auto out = make_http_response(
    make_error_response(413, error_type::payload_too_large, "too big", "rid"),
    "rid", 11, false);
  BOOST_TEST(out.result_int() == 413u);
  BOOST_TEST(out.body()
             == R"({"error":{"type":"payload_too_large","message":"too big",)"
                R"("request_id":"rid"}})");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::net
