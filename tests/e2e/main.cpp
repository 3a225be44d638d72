#define BOOST_TEST_MODULE memoryd end to end
#include <boost/test/unit_test.hpp>
