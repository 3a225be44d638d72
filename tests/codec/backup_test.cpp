// encode_backup / decode_backup: the contract's compressed `data`, and each
// layer's errors coming through.

#include <string>

#include <boost/test/unit_test.hpp>

#include "codec/backup.hpp"
#include "codec/base64.hpp"
#include "tests/codec/samples.hpp"

using namespace memoryd;
using namespace memoryd::codec;
using test::MiB;

BOOST_AUTO_TEST_SUITE(backup)

BOOST_AUTO_TEST_CASE(round_trips_a_document) {
  const std::string document =
    R"({"format":"memoryd-session","format_version":1,"note":"Grüße 🚀"})"
    + test::mixed_text(500'000, 31);
  const std::string data = encode_backup(document);
  BOOST_TEST(data.find_first_of("\r\n ") == std::string::npos);
  BOOST_TEST(base64_decode(data).substr(0, 2) == "\x1f\x8b");
  BOOST_TEST(decode_backup(data, document.size()) == document);
}

BOOST_AUTO_TEST_CASE(passes_on_base64_gzip_and_limit_errors) {
  BOOST_CHECK_EXCEPTION(decode_backup("Zm9v\n", MiB), codec_error,
                        test::message_has<codec_error>("base64: "));
  BOOST_CHECK_EXCEPTION(decode_backup(base64_encode("{\"plain\":1}"), MiB),
                        codec_error, test::message_has<codec_error>("gzip: "));
  // The issue's bomb: 1 GiB of zeros, about 1.3 MiB of base64.
  const std::string bomb = base64_encode(test::gigabyte_bomb());
  BOOST_TEST_MESSAGE("the bomb is " << bomb.size() << " bytes of base64");
  BOOST_CHECK_THROW(decode_backup(bomb, 64 * MiB), too_large);
}

BOOST_AUTO_TEST_SUITE_END()
