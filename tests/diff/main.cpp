#define BOOST_TEST_MODULE diff_tests
#include <boost/test/unit_test.hpp>
