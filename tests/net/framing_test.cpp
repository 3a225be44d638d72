// framing_error: the request framings Beast lets through that memoryd
// refuses (400 and close), because a body's length could not be trusted.

#include <boost/test/unit_test.hpp>

#include "net/http_message.hpp"

namespace memoryd::net {

namespace http = boost::beast::http;

namespace {

std::string framing_of(std::initializer_list<const char*> codings,
                       unsigned version = 11) {
  http::fields fields;
  for (auto coding : codings)
    fields.insert(http::field::transfer_encoding, coding);
  return framing_error(fields, version);
}

} // namespace

BOOST_AUTO_TEST_SUITE(framing)

BOOST_AUTO_TEST_CASE(chunked_alone_and_no_coding_are_fine) {
  BOOST_TEST(framing_of({}).empty());
  BOOST_TEST(framing_of({}, 10).empty());
  BOOST_TEST(framing_of({"chunked"}).empty());
  BOOST_TEST(framing_of({"Chunked"}).empty());
  BOOST_TEST(framing_of({" chunked\t"}).empty());
}

BOOST_AUTO_TEST_CASE(other_codings_are_refused) {
  BOOST_TEST(!framing_of({"gzip"}).empty());
  BOOST_TEST(!framing_of({"chunked, gzip"}).empty());
  BOOST_TEST(!framing_of({"gzip, chunked"}).empty());
  BOOST_TEST(!framing_of({"chunked", "chunked"}).empty());
  BOOST_TEST(!framing_of({"identity"}).empty());
  BOOST_TEST(!framing_of({""}).empty());
}

BOOST_AUTO_TEST_CASE(any_coding_in_http_1_0_is_refused) {
  BOOST_TEST(!framing_of({"chunked"}, 10).empty());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::net
