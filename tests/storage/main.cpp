#define BOOST_TEST_MODULE memoryd storage
#include <boost/test/unit_test.hpp>
