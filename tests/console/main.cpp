#define BOOST_TEST_MODULE memoryctl console
#include <boost/test/unit_test.hpp>
