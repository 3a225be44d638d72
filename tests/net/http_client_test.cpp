// The client's endpoint parsing: memoryctl's --url.

#include "net/http_client.hpp"

#include <stdexcept>

#include <boost/test/unit_test.hpp>

namespace memoryd::test {

BOOST_AUTO_TEST_SUITE(http_client)

BOOST_AUTO_TEST_CASE(parse_endpoint_reads_scheme_host_and_port) {
  auto e = net::parse_endpoint("127.0.0.1:8080");
  BOOST_TEST(e.scheme == "http");
  BOOST_TEST(e.host == "127.0.0.1");
  BOOST_TEST(e.port == 8080);
  e = net::parse_endpoint("http://localhost:80/");
  BOOST_TEST(e.scheme == "http");
  BOOST_TEST(e.host == "localhost");
  BOOST_TEST(e.port == 80);
  e = net::parse_endpoint("https://[::1]:8443");
  BOOST_TEST(e.scheme == "https");
  BOOST_TEST(e.host == "::1");
  BOOST_TEST(e.port == 8443);
  for (auto bad : {"ftp://host:21", "https://host", "https://host:0",
                   "host:99999", ":80"})
    BOOST_CHECK_THROW(net::parse_endpoint(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::test
