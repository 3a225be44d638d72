#pragma once

// The check every error case of the e2e tests makes: status, a JSON body,
// and the contract's envelope with the expected type.

#include <string>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"

namespace memoryd::test {

inline void expect_error(const api_reply& r, unsigned status,
                         const std::string& type, const std::string& what) {
  BOOST_TEST(r.status == status, what << ": " << r.raw.body.substr(0, 300));
  BOOST_TEST(r.header("Content-Type") == "application/json", what);
  BOOST_TEST(r.error_type() == type, what);
}

} // namespace memoryd::test
