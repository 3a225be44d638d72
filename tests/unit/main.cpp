#define BOOST_TEST_MODULE memoryd unit
#include <boost/test/unit_test.hpp>
