#define BOOST_TEST_MODULE codec_tests
#include <boost/test/unit_test.hpp>
