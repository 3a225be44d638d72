#define BOOST_TEST_MODULE cache_tests
#include <boost/test/unit_test.hpp>
